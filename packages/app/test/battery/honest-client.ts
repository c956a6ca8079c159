import type { TestClient } from '@rgchat/testkit';
import { createRoom, greet, joinRoom } from '../support/chat-client';
import { HONEST_ADDRESS } from './battery-app';

/** What the honest client saw during one probe. */
export interface HonestReport {
  readonly pingsSent: number;
  readonly pingsAnswered: number;
  /** Round trips of answered pings, in ms: printed, never asserted. */
  readonly latenciesMs: readonly number[];
  /** Texts of its own messages the server echoed: acknowledged, so they must be in the store. */
  readonly echoedTexts: readonly string[];
  readonly sendsRefused: number;
  readonly closed: boolean;
  /** Bytes of `room_list` frames received between start and stop, and the seconds that took. */
  readonly roomListBytes: number;
  readonly elapsedS: number;
}

export interface HonestClient {
  readonly client: TestClient;
  readonly roomId: string;
  /** Stops sending; resolves once everything sent is answered or `drainMs` has passed. */
  stop(drainMs: number): Promise<HonestReport>;
}

const PING_EVERY_MS = 200;
const MESSAGE_EVERY_MS = 500;

/**
 * An honest user during a probe: greeted from HONEST_ADDRESS, in room
 * `roomName` (a lowercase slug, so also its id), pinging every 200 ms and posting every 500 ms (7 requests a
 * second, inside the default 10/s). Counts answers: the battery asserts that
 * every ping is answered and every echoed message is stored, never how fast.
 */
export async function startHonestClient(url: string, roomName: string, tag: string): Promise<HonestClient> {
  const { client } = await greet(url, `honest${tag}`, { headers: { 'X-Forwarded-For': HONEST_ADDRESS } });
  // A lowercase slug is its own id.
  const roomId = roomName;
  await createRoom(client, roomName, roomId);
  await joinRoom(client, roomId);

  const startedAt = performance.now();
  const framesBefore = client.rawFrames.length;
  const sentAt = new Map<string, number>();
  const latenciesMs: number[] = [];
  const texts = new Set<string>();
  let pingsSent = 0;
  let messagesSent = 0;

  const ping = setInterval(() => {
    const ts = `${tag}-p${pingsSent++}`;
    sentAt.set(ts, performance.now());
    client.send({ type: 'ping', ts });
    void client.waitFor((f) => f['type'] === 'pong' && f['ts'] === ts, 60_000).then(
      () => latenciesMs.push(performance.now() - (sentAt.get(ts) ?? 0)),
      () => undefined,
    );
  }, PING_EVERY_MS);
  const post = setInterval(() => {
    const text = `${tag}-m${messagesSent++}`;
    texts.add(text);
    client.send({ type: 'send_message', roomId, message: { type: 'message', text } });
  }, MESSAGE_EVERY_MS);

  const echoes = () => client.frames.filter((f) => f['type'] === 'message' && f['roomId'] === roomId && texts.has(f['message']?.text)).map((f) => String(f['message'].text));
  const refusals = () => client.frames.filter((f) => f['type'] === 'error' && f['requestType'] === 'send_message').length;

  return {
    client,
    roomId,
    async stop(drainMs) {
      clearInterval(ping);
      clearInterval(post);
      const deadline = performance.now() + drainMs;
      while (performance.now() < deadline && !client.isClosed && (latenciesMs.length < pingsSent || echoes().length + refusals() < messagesSent)) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return {
        pingsSent,
        pingsAnswered: latenciesMs.length,
        latenciesMs,
        echoedTexts: echoes(),
        sendsRefused: refusals(),
        closed: client.isClosed,
        roomListBytes: client.rawFrames
          .slice(framesBefore)
          .filter((_, i) => client.frames[framesBefore + i]?.['type'] === 'room_list')
          .reduce((sum, raw) => sum + Buffer.byteLength(raw), 0),
        elapsedS: (performance.now() - startedAt) / 1000,
      };
    },
  };
}
