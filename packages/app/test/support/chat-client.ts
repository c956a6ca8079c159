import { connectClient, type ConnectOptions, type Frame, type TestClient } from '@rgchat/testkit';

/** Clients opened through `openClient`, terminated by `dropClients` after each test. */
const opened = new Set<TestClient>();

export async function openClient(url: string, options?: ConnectOptions): Promise<TestClient> {
  const client = await connectClient(url, options);
  opened.add(client);
  void client.closed.then(() => opened.delete(client));
  return client;
}

export function dropClients(): void {
  for (const c of opened) c.terminate();
  opened.clear();
}

export const helloFrame = (name: string, extra: Record<string, unknown> = {}) => ({
  type: 'hello',
  protocol: 'rg-chat-v1',
  sessionId: `session-${name}`,
  profile: { name, avatarId: 42 },
  ...extra,
});

/** Connects, says hello and waits for `welcome`. */
export async function greet(
  url: string,
  name: string,
  options?: ConnectOptions,
): Promise<{ client: TestClient; welcome: Frame; clientId: string }> {
  const client = await openClient(url, options);
  client.send(helloFrame(name));
  const welcome = await client.next('welcome');
  return { client, welcome, clientId: String(welcome['self']?.clientId) };
}

/** Creates `name` and waits for the `room_list` that holds it; resolves with the room's id. */
export async function createRoom(client: TestClient, name: string, expectedId: string): Promise<Frame> {
  client.send({ type: 'create_room', name });
  const list = await client.waitFor(
    (f) => f['type'] === 'room_list' && (f['rooms'] as Frame[]).some((r) => r['id'] === expectedId),
  );
  return (list['rooms'] as Frame[]).find((r) => r['id'] === expectedId) as Frame;
}

export async function joinRoom(client: TestClient, roomId: string): Promise<Frame> {
  client.send({ type: 'join_room', roomId });
  return client.waitFor((f) => f['type'] === 'joined_room' && f['room']?.id === roomId);
}

export const isMessage = (roomId: string, text?: string) => (f: Frame) =>
  f['type'] === 'message' && f['roomId'] === roomId && (text === undefined || f['message']?.text === text);

/** Proves the connection is open and answering: a ping with a unique ts comes back as a pong. */
export async function roundTrip(client: TestClient, tag: string): Promise<void> {
  client.send({ type: 'ping', ts: tag });
  await client.waitFor((f) => f['type'] === 'pong' && f['ts'] === tag);
}

/**
 * Sends `texts` to `roomId`, keeping at most `window` requests unanswered
 * (core tells a connection with too many waiting requests RATE_LIMITED).
 * Resolves with the broadcasts received for them, in order; stops early
 * (without rejecting) if the socket closes.
 */
export async function sendPipelined(client: TestClient, roomId: string, texts: readonly string[], window = 16): Promise<Frame[]> {
  const received: Frame[] = [];
  let sent = 0;
  const sendNext = () => {
    const text = texts[sent++];
    client.send({ type: 'send_message', roomId, message: { type: 'message', text } });
  };
  while (sent < Math.min(window, texts.length)) sendNext();
  for (const text of texts) {
    try {
      received.push(await client.waitFor(isMessage(roomId, text)));
    } catch (e) {
      if (client.isClosed) return received;
      throw e;
    }
    if (sent < texts.length) sendNext();
  }
  return received;
}

/** Resolves with `promise`, or rejects after `timeoutMs` saying what was awaited. */
export function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
