import { createFakeClock } from '@rgchat/testkit';
import type { ChatServer } from '../chat-server';
import type { Connection, ConnectionEvents } from '../ports/connection';
import type { LogLevel } from '../ports/log';
import { CLOSE_PING, openGuarded } from './guarded-events';
import { createPendingCloses } from './pending-closes';
import type { TransportSocket } from './transport-socket';

interface Harness {
  readonly calls: string[];
  readonly logs: Array<[LogLevel, string]>;
  readonly core: { connection: Connection | undefined; messages: string[]; closed: number };
  buffered: number;
  accepted: boolean;
  stopping: boolean;
}

/** A fake chat server and socket that record every call; `throwOn` makes core's handler for that event throw. */
function setup(socketExtras: Partial<TransportSocket> = {}, throwOn?: 'open' | 'message' | 'pong' | 'close') {
  const h: Harness = { calls: [], logs: [], core: { connection: undefined, messages: [], closed: 0 }, buffered: 0, accepted: true, stopping: false };
  const fail = (what: string): void => {
    if (throwOn === what) throw new Error(`${what} bug`);
  };
  const chat = {
    limits: { maxPayloadBytes: 1024, sendBudgetBytes: 100 },
    open(connection: Connection): ConnectionEvents {
      h.core.connection = connection;
      fail('open');
      return {
        message(data) {
          fail('message');
          h.core.messages.push(data);
        },
        pong: () => fail('pong'),
        closed() {
          fail('close');
          h.core.closed++;
        },
      };
    },
  } as unknown as ChatServer;
  const socket: TransportSocket = {
    send(frame) {
      h.calls.push(`send ${frame}`);
      return h.accepted;
    },
    close: (code) => {
      h.calls.push(`close ${code}`);
      if (code === 1) throw new RangeError('invalid code');
    },
    ping: (data) => void h.calls.push(data === undefined ? 'ping' : `ping ${data}`),
    terminate: () => void h.calls.push('terminate'),
    bufferedBytes: () => h.buffered,
    ...socketExtras,
  };
  const clock = createFakeClock();
  const closes = createPendingCloses(clock.schedule);
  const context = { log: (level: LogLevel, msg: string) => void h.logs.push([level, msg]), closes, stopping: () => h.stopping };
  const events = openGuarded(chat, socket, { remoteAddress: '192.0.2.1', origin: undefined }, context);
  return { h, events, connection: h.core.connection as Connection, closes, clock };
}

describe('openGuarded', () => {
  test('core gets a Connection carrying the peer; frames, pongs and the close are forwarded', () => {
    const { h, events, connection } = setup();
    expect(connection).toBe(events.connection);
    expect(connection.remoteAddress).toBe('192.0.2.1');
    events.message('{"type":"ping"}', false, 15);
    events.closed(1000, 'bye');
    expect(h.core).toMatchObject({ messages: ['{"type":"ping"}'], closed: 1 });
  });

  test('nothing reaches the socket or core after the close, and the close is reported once', () => {
    const { h, events, connection } = setup();
    events.closed(1006, '');
    events.closed(1006, '');
    connection.send('x');
    connection.ping();
    connection.close(1000, '');
    connection.terminate();
    events.message('late', false, 4);
    expect(h.calls).toEqual([]);
    expect(h.core).toMatchObject({ messages: [], closed: 1 });
  });

  test.each(['open', 'message', 'pong', 'close'] as const)('a throw from core in %s is logged and closes with 1011', (what) => {
    const { h, events } = setup({}, what);
    if (what === 'message') events.message('x', false, 1);
    if (what === 'pong') events.pong();
    if (what === 'close') events.closed(1000, '');
    expect(h.logs).toContainEqual(['error', `${what} handler threw`]);
    expect(h.calls).toEqual(what === 'close' ? [] : ['close 1011']);
  });

  test('a close the library rejects still ends the socket', () => {
    const { h, connection } = setup();
    connection.close(1, 'bad code');
    expect(h.calls).toEqual(['close 1', 'terminate']);
  });

  test('a frame over maxPayloadBytes closes with 1009 and never reaches core', () => {
    const { h, events } = setup();
    events.message('x'.repeat(1025), false, 1025);
    expect(h.calls).toEqual(['close 1009']);
    expect(h.core.messages).toEqual([]);
  });

  test('a send over the budget, or one the library refuses, terminates the slow reader', () => {
    const { h, connection } = setup();
    connection.send('a');
    h.buffered = 101;
    connection.send('b');
    h.buffered = 0;
    h.accepted = false;
    connection.send('c');
    expect(h.calls).toEqual(['send a', 'send b', 'terminate', 'send c', 'terminate']);
  });

  test('a socket that flushes later is checked only when the transport asks', () => {
    const { h, connection, events } = setup({ flushesLater: true });
    h.buffered = 500;
    connection.send('a');
    expect(h.calls).toEqual(['send a']);
    events.checkSendBudget();
    expect(h.calls).toEqual(['send a', 'terminate']);
  });

  test('no pauseReading on the Connection when the socket cannot pause', () => {
    expect(setup().connection.pauseReading).toBeUndefined();
  });

  test('a paused connection delivers no frame; frames already read are delivered in order after resume', async () => {
    const { h, events, connection } = setup({ pauseReading: () => void h.calls.push('pause'), resumeReading: () => void h.calls.push('resume') });
    connection.pauseReading?.();
    connection.pauseReading?.();
    events.message('1', false, 1);
    events.message('2', false, 1);
    expect(h.core.messages).toEqual([]);
    connection.resumeReading?.();
    events.message('3', false, 1);
    await Promise.resolve();
    expect(h.core.messages).toEqual(['1', '2', '3']);
    // The socket reads again only once the held frames are in.
    expect(h.calls).toEqual(['pause', 'resume']);
  });

  test('once core asked to close, nothing more is sent or delivered, and the close is pending until reported', () => {
    const { h, events, connection, closes } = setup();
    connection.close(1001, 'bye');
    connection.close(1001, 'again');
    connection.send('late');
    events.message('late', false, 4);
    expect(h.calls).toEqual(['close 1001']);
    expect(h.core.messages).toEqual([]);
    expect(closes.size).toBe(1);
    events.closed(1001, 'bye');
    expect(closes.size).toBe(0);
  });

  test('a paused socket reads again when closed, so the library sees the peer answer the close; held frames are dropped', async () => {
    const { h, events, connection } = setup({ pauseReading: () => void h.calls.push('pause'), resumeReading: () => void h.calls.push('resume') });
    connection.pauseReading?.();
    events.message('held', false, 4);
    connection.close(1001, 'bye');
    await Promise.resolve();
    expect(h.calls).toEqual(['pause', 'resume', 'close 1001']);
    expect(h.core.messages).toEqual([]);
  });

  test('while the transport stops, a socket whose library forgets it at close is closed only once the peer answered a ping behind the queue', () => {
    const { h, events, connection } = setup();
    h.stopping = true;
    connection.close(1001, 'bye');
    expect(h.calls).toEqual([`ping ${CLOSE_PING}`]);
    // A heartbeat pong, or any other, is not the answer.
    events.pong('');
    expect(h.calls).toEqual([`ping ${CLOSE_PING}`]);
    events.pong(CLOSE_PING);
    events.pong(CLOSE_PING);
    expect(h.calls).toEqual([`ping ${CLOSE_PING}`, 'close 1001']);
  });

  test('a library that sends the close frame behind its queue and reports the handshake is closed at once, stopping or not', () => {
    const { h, connection } = setup({ closeAwaitsPeer: true });
    h.stopping = true;
    connection.close(1001, 'bye');
    expect(h.calls).toEqual(['close 1001']);
  });

  test('a held close that never gets its pong is terminated at the deadline of settled', async () => {
    const { h, events, connection, closes, clock } = setup({ terminate: () => void h.calls.push('terminate') });
    h.stopping = true;
    connection.close(1001, 'bye');
    let settled = false;
    const done = closes.settled(500).then(() => (settled = true));
    clock.advance(499);
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(1);
    await done;
    expect(h.calls).toEqual([`ping ${CLOSE_PING}`, 'terminate']);
    events.closed(1006, '');
    expect(closes.size).toBe(0);
  });
});
