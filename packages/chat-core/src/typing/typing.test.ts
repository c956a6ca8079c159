import { createFakeClock, createFakeConnection, createMemoryStore, type FakeConnection } from '@rgchat/testkit';
import { createChatServer, type ChatServerOptions } from '../chat-server';
import type { Ids } from '../ports/ids';
import { TYPING_FREE_REPEATS_PER_WINDOW } from './typing-relay';

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

function counterIds(): Ids {
  let c = 0;
  let m = 0;
  return { connectionId: () => `conn_${++c}`, messageId: () => `msg_${++m}`, randomInt: (n) => 42 % n };
}

interface Client {
  readonly c: FakeConnection;
  readonly id: string;
  send(frame: unknown): void;
  closed(): void;
  typing(): Array<Record<string, any>>;
}

async function setup(options: ChatServerOptions = {}) {
  const store = createMemoryStore();
  await store.createRoom({ id: 'lobby', name: 'Lobby', createdAt: 1 });
  await store.createRoom({ id: 'den', name: 'Den', createdAt: 2 });
  const clock = createFakeClock();
  const chat = createChatServer({ store, clock, ids: counterIds() }, options);
  await chat.start();
  const connect = async (name: string, features?: string[], roomId: string | undefined = 'lobby'): Promise<Client> => {
    const c = createFakeConnection();
    const events = chat.open(c);
    const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
    send({ type: 'hello', profile: { name, avatarId: 1 }, ...(features ? { features } : {}) });
    if (roomId) send({ type: 'join_room', roomId });
    await flush();
    const id = String(c.framesOf('welcome')[0]?.['self']?.clientId);
    return { c, id, send, closed: () => events.closed(1000, ''), typing: () => c.framesOf('typing') };
  };
  return { chat, clock, connect };
}

const T = ['typing'];
const typing = (active: boolean, roomId = 'lobby') => ({ type: 'typing', roomId, active });

describe('typing (extensions.md)', () => {
  test('relayed to the other members that negotiated typing, never to the typist, a v1 member or a presence-only one', async () => {
    const { connect } = await setup();
    const ann = await connect('ann', T);
    const bob = await connect('bob', ['presence', 'typing']);
    const vic = await connect('vic');
    const pat = await connect('pat', ['presence']);
    ann.send(typing(true));
    await flush();
    expect(bob.typing()).toEqual([{ type: 'typing', roomId: 'lobby', clientId: ann.id, name: 'ann', active: true }]);
    expect(ann.typing()).toEqual([]);
    expect(vic.c.framesOf('typing')).toEqual([]);
    expect(pat.typing()).toEqual([]);
    // Nobody got an error, and the typist was not answered at all.
    expect(ann.c.framesOf('error')).toEqual([]);
  });

  test('active:true at most once per 2 s per connection; a relayed false ends the window', async () => {
    const { connect, clock } = await setup();
    const ann = await connect('ann', T);
    const bob = await connect('bob', T);
    ann.send(typing(true));
    ann.send(typing(true));
    await flush();
    clock.advance(1999);
    ann.send(typing(true));
    await flush();
    expect(bob.typing().map((f) => f['active'])).toEqual([true]);
    clock.advance(1);
    ann.send(typing(true));
    await flush();
    expect(bob.typing().map((f) => f['active'])).toEqual([true, true]);
    ann.send(typing(false));
    ann.send(typing(true));
    await flush();
    expect(bob.typing().map((f) => f['active'])).toEqual([true, true, false, true]);
    expect(ann.c.framesOf('error')).toEqual([]);
  });

  test('repeats dropped by the window are free: they never use up the rate limit', async () => {
    const { connect, clock } = await setup({ limits: { rateLimitPerSec: 1, rateLimitBurst: 5 } });
    const ann = await connect('ann', T);
    const bob = await connect('bob', T);
    // hello and join took 2 of 5 tokens.
    for (let i = 0; i < 20; i++) ann.send(typing(true));
    await flush();
    ann.send({ type: 'ping', ts: 'still-allowed' });
    await flush();
    expect(ann.c.framesOf('error')).toEqual([]);
    expect(ann.c.framesOf('pong')).toEqual([{ type: 'pong', ts: 'still-allowed' }]);
    expect(bob.typing()).toHaveLength(1);
    clock.advance(2000);
  });

  test('...up to a bound per window, beyond which repeats pay like any frame', async () => {
    const { connect } = await setup({ limits: { rateLimitPerSec: 1, rateLimitBurst: 5 } });
    const ann = await connect('ann', T);
    for (let i = 0; i < TYPING_FREE_REPEATS_PER_WINDOW + 10; i++) ann.send(typing(true));
    await flush();
    expect(ann.c.framesOf('error').map((e) => e['code'])).toEqual(['RATE_LIMITED']);
  });

  test('NOT_IN_ROOM outside the room; INVALID_REQUEST for a non-boolean; UNKNOWN_TYPE without the feature', async () => {
    const { connect } = await setup();
    const ann = await connect('ann', T);
    const vic = await connect('vic');
    ann.send(typing(true, 'den'));
    ann.send({ type: 'typing', roomId: 'lobby', active: 'yes' });
    vic.send(typing(true));
    await flush();
    expect(ann.c.framesOf('error').map((e) => [e['code'], e['requestType']])).toEqual([
      ['NOT_IN_ROOM', 'typing'],
      ['INVALID_REQUEST', 'typing'],
    ]);
    expect(vic.c.framesOf('error').map((e) => e['code'])).toEqual(['UNKNOWN_TYPE']);
  });

  test('the server relays active:false when an active typist sends a message, joins another room or disconnects', async () => {
    const { connect } = await setup();
    const bob = await connect('bob', T);
    const sender = await connect('sender', T);
    const mover = await connect('mover', T);
    const leaver = await connect('leaver', T);
    for (const t of [sender, mover, leaver]) t.send(typing(true));
    await flush();
    sender.send({ type: 'send_message', roomId: 'lobby', message: { type: 'message', text: 'hi' } });
    mover.send({ type: 'join_room', roomId: 'den' });
    await flush();
    leaver.closed();
    await flush();
    const falses = bob.typing().filter((f) => !f['active']).map((f) => f['clientId']);
    // The send completes after the store answers, so the first two may come in either order.
    expect([...falses].sort()).toEqual([sender.id, mover.id, leaver.id].sort());
    // After its message the window is over: the next true goes out at once.
    sender.send(typing(true));
    await flush();
    expect(bob.typing().at(-1)).toMatchObject({ clientId: sender.id, active: true });
  });

  test('no server false for a typist that already said false, or whose true is over 6 s old', async () => {
    const { connect, clock } = await setup();
    const bob = await connect('bob', T);
    const quiet = await connect('quiet', T);
    const stale = await connect('stale', T);
    quiet.send(typing(true));
    quiet.send(typing(false));
    stale.send(typing(true));
    await flush();
    clock.advance(6000);
    const before = bob.typing().length;
    quiet.send({ type: 'send_message', roomId: 'lobby', message: { type: 'message', text: 'x' } });
    stale.closed();
    await flush();
    expect(bob.typing()).toHaveLength(before);
  });
});
