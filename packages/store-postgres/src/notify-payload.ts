import type { BusEvent, MessageRecord, RoomRecord } from '@rgchat/chat-core';

/**
 * NOTIFY rejects a payload of 8000 bytes or more (in the server encoding).
 * A little headroom below that, for nothing in particular but safety.
 */
export const MAX_NOTIFY_PAYLOAD_BYTES = 7900;

/** What travels on the channel; `i` is the sending instance, so it can drop its own echoes. */
export type Notice =
  | { readonly i: string; readonly k: 'message'; readonly message: MessageRecord; readonly room: RoomRecord }
  /** A message too big to inline: the receiver reads the row from the store. */
  | { readonly i: string; readonly k: 'message-ref'; readonly room: RoomRecord; readonly seq: number; readonly id: string }
  | { readonly i: string; readonly k: 'room'; readonly room: RoomRecord }
  /** The sender failed to notify something: receivers re-read from the store. */
  | { readonly i: string; readonly k: 'resync' };

/** The payload for `event`, inline when it fits, else a reference to the stored row. */
export function encodeNotice(instanceId: string, event: Exclude<BusEvent, { kind: 'resync' }>): string {
  if (event.kind === 'room') return JSON.stringify({ i: instanceId, k: 'room', room: event.room } satisfies Notice);
  const inline = JSON.stringify({ i: instanceId, k: 'message', message: event.message, room: event.room } satisfies Notice);
  if (Buffer.byteLength(inline, 'utf8') <= MAX_NOTIFY_PAYLOAD_BYTES) return inline;
  const ref = JSON.stringify({
    i: instanceId,
    k: 'message-ref',
    room: event.room,
    seq: event.message.seq,
    id: event.message.id,
  } satisfies Notice);
  if (Buffer.byteLength(ref, 'utf8') > MAX_NOTIFY_PAYLOAD_BYTES) {
    // Only a room name far beyond any configured limit gets here.
    throw new RangeError(`bus notice for room "${event.room.id}" exceeds ${MAX_NOTIFY_PAYLOAD_BYTES} bytes even as a reference`);
  }
  return ref;
}

export const encodeResync = (instanceId: string): string => JSON.stringify({ i: instanceId, k: 'resync' } satisfies Notice);

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);

function isRoom(x: unknown): x is RoomRecord {
  return (
    isObject(x) &&
    typeof x.id === 'string' &&
    typeof x.name === 'string' &&
    isInt(x.createdAt) &&
    isInt(x.messageCount) &&
    (x.lastMessageTs === null || isInt(x.lastMessageTs))
  );
}

function isMessage(x: unknown): x is MessageRecord {
  return (
    isObject(x) &&
    typeof x.roomId === 'string' &&
    isInt(x.seq) &&
    typeof x.id === 'string' &&
    isInt(x.ts) &&
    typeof x.authorId === 'string' &&
    typeof x.name === 'string' &&
    isInt(x.avatarId) &&
    (x.type === 'message' || x.type === 'emote') &&
    typeof x.text === 'string'
  );
}

const pickRoom = (r: RoomRecord): RoomRecord => ({
  id: r.id,
  name: r.name,
  createdAt: r.createdAt,
  messageCount: r.messageCount,
  lastMessageTs: r.lastMessageTs,
});

const pickMessage = (m: MessageRecord): MessageRecord => ({
  roomId: m.roomId,
  seq: m.seq,
  id: m.id,
  ts: m.ts,
  authorId: m.authorId,
  name: m.name,
  avatarId: m.avatarId,
  type: m.type,
  text: m.text,
});

/**
 * Parses a payload, or returns undefined when it is not one of ours (anyone
 * with access to the database can NOTIFY on the channel). Shapes are checked
 * so a bad notice is dropped here instead of breaking core.
 */
export function decodeNotice(payload: string | undefined): Notice | undefined {
  if (payload === undefined) return undefined;
  let x: unknown;
  try {
    x = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!isObject(x) || typeof x.i !== 'string') return undefined;
  switch (x.k) {
    // Rebuilt field by field, so nothing but the port's fields reaches core.
    case 'message':
      return isMessage(x.message) && isRoom(x.room) ? { i: x.i, k: 'message', message: pickMessage(x.message), room: pickRoom(x.room) } : undefined;
    case 'message-ref':
      return isRoom(x.room) && isInt(x.seq) && typeof x.id === 'string'
        ? { i: x.i, k: 'message-ref', room: pickRoom(x.room), seq: x.seq, id: x.id }
        : undefined;
    case 'room':
      return isRoom(x.room) ? { i: x.i, k: 'room', room: pickRoom(x.room) } : undefined;
    case 'resync':
      return { i: x.i, k: 'resync' };
    default:
      return undefined;
  }
}
