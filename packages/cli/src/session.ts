import { connect, ChatRequestError, type ChatClient, type Room } from '@rgchat/client';
import WebSocket from 'ws';
import type { CliOptions } from './args.js';

/** Opens a client for the command line's options (Node 20 has no global WebSocket: `ws` is passed in). */
export function openClient(o: CliOptions, extra: { since?: number; reconnect?: false } = {}): ChatClient {
  return connect({
    url: o.url,
    profile: { name: o.name, avatarId: o.avatarId },
    WebSocket,
    ...(o.sessionId !== undefined ? { sessionId: o.sessionId } : {}),
    ...(o.room !== undefined ? { roomId: o.room } : {}),
    ...(extra.since !== undefined ? { since: extra.since } : {}),
    ...(extra.reconnect === false ? { reconnect: false as const } : {}),
  });
}

/** Enters `room`, creating it when it does not exist; resolves with the room entered. */
export async function enter(client: ChatClient, room: string): Promise<Room> {
  try {
    return (await client.join(room)).room;
  } catch (e) {
    if (!(e instanceof ChatRequestError) || (e.code !== 'ROOM_NOT_FOUND' && e.code !== 'INVALID_ROOM')) throw e;
    const created = await client.createRoom(room);
    return (await client.join(created.id)).room;
  }
}

/** Rejects after `seconds` with a clear message, for a server that does not answer. */
export function deadline<T>(p: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A one-line description of a failure, with the server's code when there is one. */
export const describe = (e: unknown): string =>
  e instanceof ChatRequestError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
