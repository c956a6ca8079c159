import { createFakeClock, createFakeConnection, createMemoryStore } from '@rgchat/testkit';
import { createChatServer, type ChatServerOptions } from './chat-server';
import { enabledFeatures, FEATURE_NAMES, negotiate } from './features';
import type { Ids } from './ports/ids';

const flush = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

function counterIds(): Ids {
  let c = 0;
  let m = 0;
  return { connectionId: () => `conn_${++c}`, messageId: () => `msg_${++m}`, randomInt: (n) => 42 % n };
}

async function setup(options: ChatServerOptions = {}) {
  const store = createMemoryStore();
  const chat = createChatServer({ store, clock: createFakeClock(), ids: counterIds() }, options);
  await chat.start();
  const connect = () => {
    const c = createFakeConnection();
    const events = chat.open(c);
    return { c, send: (frame: unknown) => events.message(JSON.stringify(frame), false) };
  };
  return { chat, store, connect };
}

const hello = (extra: Record<string, unknown> = {}) => ({ type: 'hello', profile: { name: 'alice', avatarId: 1 }, ...extra });

describe('feature negotiation (hello.features -> welcome.features)', () => {
  test('the contract names eight features, in its order', () => {
    expect(FEATURE_NAMES).toEqual(['history', 'recovery', 'acks', 'presence', 'typing', 'delete', 'reactions', 'rooms']);
  });

  test('without features in hello, welcome has no features key (plain rg-chat-v1)', async () => {
    const { connect } = await setup();
    const a = connect();
    a.send(hello());
    await flush();
    const [welcome] = a.c.framesOf('welcome');
    expect(welcome).toEqual({ type: 'welcome', protocol: 'rg-chat-v1', self: { clientId: 'conn_1', name: 'alice', avatarId: 1 }, rooms: [] });
    expect(Object.keys(welcome!)).not.toContain('features');
  });

  test('welcome.features: asked for and enabled, in the contract order, each once; unknown names and non-strings ignored', async () => {
    const { connect } = await setup();
    const a = connect();
    a.send(hello({ features: ['rooms', 'bogus', 7, null, 'recovery', 'history', 'recovery', { x: 1 }] }));
    await flush();
    expect(a.c.framesOf('welcome')[0]).toEqual({
      type: 'welcome',
      protocol: 'rg-chat-v1',
      self: { clientId: 'conn_1', name: 'alice', avatarId: 1 },
      rooms: [],
      features: ['history', 'recovery', 'rooms'],
    });
  });

  test('an empty or wholly unknown list answers features: [] ', async () => {
    const { connect } = await setup();
    const a = connect();
    a.send(hello({ features: [] }));
    a.send(hello({ features: ['nope'] }));
    await flush();
    expect(a.c.framesOf('welcome').map((w) => w['features'])).toEqual([[], []]);
  });

  test('a features value that is not an array counts as absent', async () => {
    const { connect } = await setup();
    const a = connect();
    a.send(hello({ features: 'history' }));
    await flush();
    expect(Object.keys(a.c.framesOf('welcome')[0]!)).not.toContain('features');
  });

  test('only features the server enables are granted (options.features)', async () => {
    const { connect } = await setup({ features: ['recovery', 'history'] });
    const a = connect();
    a.send(hello({ features: [...FEATURE_NAMES] }));
    await flush();
    expect(a.c.framesOf('welcome')[0]!['features']).toEqual(['history', 'recovery']);
  });

  test('a server with no features enabled grants none', async () => {
    const { connect } = await setup({ features: [] });
    const a = connect();
    a.send(hello({ features: ['history'] }));
    await flush();
    expect(a.c.framesOf('welcome')[0]!['features']).toEqual([]);
  });

  test('a later hello negotiates again; one without features makes the connection plain again', async () => {
    const { connect } = await setup();
    const a = connect();
    a.send(hello({ features: ['history'] }));
    a.send(hello({ features: ['recovery', 'history'] }));
    a.send(hello());
    await flush();
    expect(a.c.framesOf('welcome').map((w) => w['features'])).toEqual([['history'], ['history', 'recovery'], undefined]);
  });

  test('an unknown feature name in the server options is refused at creation', () => {
    expect(() => createChatServer({ store: createMemoryStore(), clock: createFakeClock(), ids: counterIds() }, { features: ['history', 'bogus'] })).toThrow(
      /unknown features: bogus/,
    );
    expect(() => enabledFeatures(['presence', 'typo', 'x'])).toThrow(RangeError);
  });

  test('negotiate keeps the contract order whatever the request order', () => {
    expect(negotiate(['rooms', 'acks', 'history'], enabledFeatures())).toEqual(['history', 'acks', 'rooms']);
    expect(negotiate(['rooms', 'acks', 'history'], enabledFeatures(['acks']))).toEqual(['acks']);
  });
});
