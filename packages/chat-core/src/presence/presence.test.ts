import { createFakeClock, createFakeConnection, createMemoryStore, type FakeConnection } from '@rgchat/testkit';
import { createChatServer, type ChatServerOptions } from '../chat-server';
import { createMemoryFanout } from '../memory-fanout';
import type { Fanout } from '../ports/fanout';
import type { Ids } from '../ports/ids';
import { userIdOfSession } from '../user-id';

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

function counterIds(): Ids {
  let c = 0;
  let m = 0;
  return { connectionId: () => `conn_${++c}`, messageId: () => `msg_${++m}`, randomInt: (n) => 42 % n };
}

/** The default fan-out, recording every publish (topic and the exact string). */
function recordingFanout() {
  const inner = createMemoryFanout();
  const published: Array<{ topic: string; frame: string }> = [];
  const fanout: Fanout = {
    subscribe: (c, t) => inner.subscribe(c, t),
    unsubscribe: (c, t) => inner.unsubscribe(c, t),
    publish(topic, frame) {
      published.push({ topic, frame });
      inner.publish(topic, frame);
    },
  };
  return { fanout, published };
}

interface Client {
  readonly c: FakeConnection;
  readonly id: string;
  send(frame: unknown): void;
  closed(): void;
  presence(): Array<Record<string, any>>;
}

async function setup(options: ChatServerOptions = {}) {
  const store = createMemoryStore();
  await store.createRoom({ id: 'lobby', name: 'Lobby', createdAt: 1 });
  await store.createRoom({ id: 'den', name: 'Den', createdAt: 2 });
  const clock = createFakeClock();
  const { fanout, published } = recordingFanout();
  const chat = createChatServer({ store, clock, ids: counterIds(), fanout }, options);
  await chat.start();
  let n = 0;
  const connect = async (name: string, features?: string[], extra: Record<string, unknown> = {}): Promise<Client> => {
    const c = createFakeConnection();
    const events = chat.open(c);
    const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
    send({ type: 'hello', profile: { name, avatarId: ++n }, ...(features ? { features } : {}), ...extra });
    await flush();
    const id = String(c.framesOf('welcome')[0]?.['self']?.clientId);
    return { c, id, send, closed: () => events.closed(1000, ''), presence: () => c.framesOf('presence') };
  };
  const join = async (client: Client, roomId = 'lobby') => {
    client.send({ type: 'join_room', roomId });
    await flush();
    return client.c.framesOf('joined_room').at(-1)!;
  };
  /** One presence interval (default 250 ms) on the fake clock. */
  const tick = (ms = 250) => clock.advance(ms);
  return { chat, store, clock, connect, join, tick, published };
}

const P = ['presence'];
const member = (c: Client, name: string, avatarId: number, userId = c.id) => ({ clientId: c.id, userId, name, avatarId });

describe('presence (extensions.md): members, coalesced diffs, online', () => {
  test('joined_room carries every member, the joiner included; a v1 joiner gets no members key but is a member', async () => {
    const { connect, join } = await setup();
    const a = await connect('ann', P);
    const v = await connect('vic');
    const b = await connect('bob', P);
    expect((await join(a))['members']).toEqual([member(a, 'ann', 1)]);
    const vJoined = await join(v);
    expect(Object.keys(vJoined)).toEqual(['type', 'room', 'messages']);
    expect((await join(b))['members']).toEqual([member(a, 'ann', 1), member(v, 'vic', 2), member(b, 'bob', 3)]);
  });

  test('one coalesced frame per room per interval, serialised once, with the net change; a v1 member never gets one', async () => {
    const { connect, join, tick, published } = await setup();
    const a = await connect('ann', P);
    const v = await connect('vic');
    await join(a);
    await join(v);
    tick();
    expect(a.presence()).toEqual([{ type: 'presence', roomId: 'lobby', joined: [member(v, 'vic', 2)], left: [], updated: [] }]);
    const b = await connect('bob', P);
    const c = await connect('cat', P);
    await join(b);
    await join(c);
    tick();
    // Both joins in one frame, and the same string for every watcher.
    expect(a.presence().at(-1)).toEqual({ type: 'presence', roomId: 'lobby', joined: [member(b, 'bob', 3), member(c, 'cat', 4)], left: [], updated: [] });
    const frames = published.filter((p) => p.topic === 'presence:lobby');
    expect(frames).toHaveLength(2);
    expect(a.c.sent).toContain(frames[1]!.frame);
    expect(b.c.sent).toContain(frames[1]!.frame);
    expect(c.c.sent).toContain(frames[1]!.frame);
    // Nothing changed: nothing is sent.
    tick();
    tick();
    expect(published.filter((p) => p.topic === 'presence:lobby')).toHaveLength(2);
    expect(v.c.framesOf('presence')).toEqual([]);
    expect(v.c.frames().every((f) => !('members' in f) && !('online' in f))).toBe(true);
  });

  test('a member who joins and leaves within one interval appears in no frame; leaves (close, another room) are listed', async () => {
    const { connect, join, tick, published } = await setup();
    const a = await connect('ann', P);
    await join(a);
    tick();
    const before = published.length;
    const ghost = await connect('ghost', P);
    await join(ghost);
    ghost.closed();
    tick();
    expect(published.length).toBe(before);
    const b = await connect('bob');
    const c = await connect('cat');
    await join(b);
    await join(c);
    tick();
    await join(b, 'den');
    c.closed();
    tick();
    expect(a.presence().at(-1)).toEqual({ type: 'presence', roomId: 'lobby', joined: [], left: [b.id, c.id], updated: [] });
  });

  test('at most one frame per room per interval, however many changes', async () => {
    const { connect, join, clock, published } = await setup();
    const a = await connect('ann', P);
    await join(a);
    for (let i = 0; i < 20; i++) {
      const x = await connect(`x${i}`);
      await join(x);
      clock.advance(30);
    }
    const times = published.filter((p) => p.topic === 'presence:lobby').length;
    // 20 joins over 600 ms: frames at 250 and 500 only.
    expect(times).toBe(2);
  });

  test('updated on profile changes; a change undone within the interval sends nothing', async () => {
    const { connect, join, tick } = await setup();
    const a = await connect('ann', P);
    const b = await connect('bob');
    await join(a);
    await join(b);
    tick();
    b.send({ type: 'set_profile', name: 'robert' });
    await flush();
    tick();
    expect(a.presence().at(-1)).toEqual({ type: 'presence', roomId: 'lobby', joined: [], left: [], updated: [member(b, 'robert', 2)] });
    const count = a.presence().length;
    b.send({ type: 'set_profile', name: 'bobby' });
    b.send({ type: 'set_profile', name: 'robert' });
    await flush();
    tick();
    expect(a.presence()).toHaveLength(count);
  });

  test('multi-tab: two connections with one sessionId share a userId (not the sessionId), with two clientIds; without one, userId is the clientId', async () => {
    const { connect, join } = await setup();
    const tab1 = await connect('ann', P, { sessionId: 'secret-session-1' });
    const tab2 = await connect('ann', P, { sessionId: 'secret-session-1' });
    const other = await connect('bob', P);
    await join(tab1);
    await join(tab2);
    const members = (await join(other))['members'] as Array<Record<string, unknown>>;
    const userId = userIdOfSession('secret-session-1');
    expect(members).toEqual([member(tab1, 'ann', 1, userId), member(tab2, 'ann', 2, userId), member(other, 'bob', 3)]);
    expect(tab1.id).not.toBe(tab2.id);
    expect(JSON.stringify(members)).not.toContain('secret-session-1');
  });

  test('online: welcome and room_list rooms for presence clients, GET /api/rooms for everyone, never for v1 frames', async () => {
    const { chat, connect, join, tick, clock } = await setup();
    const a = await connect('ann', P);
    const v = await connect('vic');
    await join(a);
    await join(v);
    expect(chat.searchRooms({ limit: 50 }).rooms.map((r) => [r.id, (r as { online?: number }).online])).toEqual([
      ['den', 0],
      ['lobby', 2],
    ]);
    // Lists are serialised once per version: counts move them at the next presence tick.
    tick();
    const late = await connect('late', P);
    expect(late.c.framesOf('welcome')[0]!['rooms']).toEqual([
      { id: 'den', name: 'Den', createdAt: 2, messageCount: 0, lastMessageTs: null, online: 0 },
      { id: 'lobby', name: 'Lobby', createdAt: 1, messageCount: 0, lastMessageTs: null, online: 2 },
    ]);
    const lateV1 = await connect('plain');
    expect(lateV1.c.framesOf('welcome')[0]!['rooms'][1]).toEqual({ id: 'lobby', name: 'Lobby', createdAt: 1, messageCount: 0, lastMessageTs: null });
    // A count change reaches presence clients' lists within an interval and the room-list push.
    await join(late, 'den');
    tick();
    clock.advance(1000);
    const pushed = a.c.framesOf('room_list').at(-1)!;
    expect(pushed['rooms'].map((r: Record<string, unknown>) => [r['id'], r['online']])).toEqual([
      ['den', 1],
      ['lobby', 2],
    ]);
    // v1 clients are not pushed a list for a count change, and theirs never carries online.
    expect(v.c.framesOf('room_list')).toEqual([]);
    expect(lateV1.c.framesOf('room_list')).toEqual([]);
  });

  test('create_room answers a presence client with online in its list', async () => {
    const { connect } = await setup();
    const a = await connect('ann', P);
    a.send({ type: 'create_room', name: 'Attic' });
    await flush();
    expect(a.c.framesOf('room_list').at(-1)!['rooms']).toContainEqual({
      id: 'attic',
      name: 'Attic',
      createdAt: expect.any(Number),
      messageCount: 0,
      lastMessageTs: null,
      online: 0,
    });
  });

  test('a dropped connection (missed heartbeat) leaves the member list', async () => {
    const { connect, join, clock } = await setup({ limits: { heartbeatMs: 1000 } });
    const a = await connect('ann', P);
    const dead = await connect('dead');
    await join(a);
    await join(dead);
    // a answers pings (any frame counts); dead never does.
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      a.send({ type: 'ping' });
      await flush();
    }
    expect(dead.c.terminated).toBe(true);
    expect(a.presence().at(-1)).toEqual({ type: 'presence', roomId: 'lobby', joined: [], left: [dead.id], updated: [] });
  });

  test('a later hello that drops presence stops the frames; one that adds it starts them', async () => {
    const { connect, join, tick } = await setup();
    const a = await connect('ann', P);
    await join(a);
    a.send({ type: 'hello', profile: { name: 'ann', avatarId: 1 } });
    await flush();
    const b = await connect('bob');
    await join(b);
    tick();
    expect(a.presence()).toEqual([]);
    a.send({ type: 'hello', profile: { name: 'ann', avatarId: 1 }, features: P });
    await flush();
    b.closed();
    tick();
    expect(a.presence()).toEqual([{ type: 'presence', roomId: 'lobby', joined: [], left: [b.id], updated: [] }]);
  });

  test('limits: PRESENCE_INTERVAL_MS paces the frames', async () => {
    const { connect, join, clock } = await setup({ limits: { presenceIntervalMs: 1000 } });
    const a = await connect('ann', P);
    await join(a);
    const b = await connect('bob');
    await join(b);
    clock.advance(999);
    expect(a.presence()).toEqual([]);
    clock.advance(1);
    expect(a.presence()).toHaveLength(1);
  });
});
