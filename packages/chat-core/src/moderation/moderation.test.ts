import { createFakeClock, createFakeConnection, createMemoryStore } from '@rgchat/testkit';
import { createChatServer } from '../chat-server';
import { ErrorCode } from '../error-codes';
import { BAN_RELOAD_MS } from './moderation';

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

async function setup() {
  const store = createMemoryStore();
  const clock = createFakeClock();
  let n = 0;
  const ids = { connectionId: () => `conn_${++n}`, messageId: () => `msg_${++n}`, randomInt: (max: number) => 7 % max };
  const chat = createChatServer({ store, clock, ids }, { limits: { rateLimitBurst: 100 } });
  await chat.start();
  const member = async (name: string, remoteAddress: string, features: string[] = []) => {
    const c = createFakeConnection({ remoteAddress });
    const events = chat.open(c);
    const send = (frame: unknown) => events.message(JSON.stringify(frame), false);
    send({ type: 'hello', profile: { name, avatarId: 1 }, features });
    send({ type: 'create_room', name: 'r' });
    send({ type: 'join_room', roomId: 'r' });
    await flush();
    return { c, send, say: (text: string) => send({ type: 'send_message', roomId: 'r', message: { text } }) };
  };
  return { store, clock, chat, member };
}

describe('moderation (ChatServer.admin)', () => {
  test('a ban refuses the network at upgrade and closes its open sockets with 1008; others stay; lifting it lets them back', async () => {
    const { chat, member } = await setup();
    const spammer = await member('spam', '203.0.113.9');
    const mapped = await member('spam2', '::ffff:203.0.113.77');
    const fine = await member('fine', '198.51.100.1');
    const ban = await chat.admin.ban('203.0.113.0/24', 60_000, 'flooding');
    expect(ban).toMatchObject({ cidr: '203.0.113.0/24', reason: 'flooding' });
    expect(spammer.c.closedWith).toEqual({ code: 1008, reason: 'banned' });
    expect(mapped.c.closedWith).toEqual({ code: 1008, reason: 'banned' });
    expect(fine.c.closedWith).toBeUndefined();
    expect(chat.admit('203.0.113.200')).toBe('banned');
    expect(chat.admit('198.51.100.1')).toBe('ok');
    expect(chat.admin.bans().map((b) => b.id)).toEqual([ban.id]);
    expect(await chat.admin.unban(ban.id)).toBe(true);
    expect(await chat.admin.unban(ban.id)).toBe(false);
    expect(chat.admit('203.0.113.200')).toBe('ok');
  });

  test('a ban ends at its expiry; bans are re-read from the store (another instance added one) every BAN_RELOAD_MS', async () => {
    const { chat, clock, store } = await setup();
    await chat.admin.ban('2001:db8::/32', 5_000, '');
    expect(chat.admit('2001:db8::1')).toBe('banned');
    clock.advance(5_000);
    expect(chat.admit('2001:db8::1')).toBe('ok');
    await store.addBan({ id: 'ban_elsewhere', cidr: '192.0.2.0/24', reason: 'x', createdAt: clock.now(), expiresAt: clock.now() + 600_000 });
    expect(chat.admit('192.0.2.5')).toBe('ok');
    // To the reload exactly (5 s have passed): the read's own store deadline must not pass in the same step.
    clock.advance(BAN_RELOAD_MS - 5_000);
    await flush();
    expect(chat.admit('192.0.2.5')).toBe('banned');
  });

  test('bad networks and durations are INVALID_REQUEST and store nothing', async () => {
    const { chat, store } = await setup();
    await expect(chat.admin.ban('not-an-ip', 60_000, '')).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST });
    await expect(chat.admin.ban('10.0.0.0/8', 10, '')).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST });
    await expect(chat.admin.ban('10.0.0.0/8', 2 * 365 * 86_400_000, '')).rejects.toMatchObject({ code: ErrorCode.INVALID_REQUEST });
    expect(await store.activeBans(0)).toEqual([]);
  });

  test("a moderator deletes anyone's message: delete members get message_deleted, v1 members nothing, the room count drops", async () => {
    const { chat, member } = await setup();
    const author = await member('author', '198.51.100.1');
    const watcher = await member('watcher', '198.51.100.2', ['delete']);
    author.say('bad words');
    await flush();
    const id = watcher.c.framesOf('message')[0]!.message.id as string;
    expect(await chat.admin.deleteMessage('r', id)).toBe('deleted');
    await flush();
    expect(watcher.c.framesOf('message_deleted')).toEqual([{ type: 'message_deleted', roomId: 'r', messageId: id, seq: 1 }]);
    expect(author.c.framesOf('message_deleted')).toEqual([]);
    expect(chat.admin.rooms().find((r) => r.id === 'r')).toMatchObject({ messageCount: 0, online: 2 });
    expect(await chat.admin.deleteMessage('r', id)).toBe('not_found');
  });

  test('connections lists who is in a room with address and connect time; kick closes one with 1008', async () => {
    const { chat, member, clock } = await setup();
    const a = await member('alice', '198.51.100.1');
    await member('bob', '198.51.100.2');
    const list = chat.admin.connections('r');
    expect(list.map((c) => [c.name, c.remoteAddress, c.connectedAt, c.here])).toEqual([
      ['alice', '198.51.100.1', clock.now(), true],
      ['bob', '198.51.100.2', clock.now(), true],
    ]);
    chat.admin.kick(list[0]!.clientId);
    await flush();
    expect(a.c.closedWith).toEqual({ code: 1008, reason: 'closed by a moderator' });
    expect(chat.admin.connections('r').map((c) => c.name)).toEqual(['bob']);
  });

  test('deleteRoom removes the room from lists and the store', async () => {
    const { chat, store, member } = await setup();
    const a = await member('alice', '198.51.100.1');
    a.say('x');
    await flush();
    expect(await chat.admin.deleteRoom('r')).toBe(true);
    await flush();
    expect(chat.rooms().map((r) => r.id)).toEqual([]);
    expect(await store.getRoom('r')).toBeUndefined();
    expect(await chat.admin.deleteRoom('r')).toBe(false);
  });
});
