import { connect } from 'node:net';
import { rawExchange } from '@rgchat/testkit';
import { greet, within } from '../support/chat-client';
import { HONEST_ADDRESS, startBatteryApp } from './battery-app';
import type { Figures } from './figures';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const upgrade = (lines: readonly string[]) => `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;

/** Handshakes ws refuses and uWS used to accept (issue #10 item 7): each must get 400. */
const BAD_UPGRADES: ReadonlyArray<readonly [string, string]> = [
  ['Upgrade: foo', upgrade(['Upgrade: foo', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13'])],
  ['no version', upgrade(['Upgrade: websocket', `Sec-WebSocket-Key: ${KEY}`])],
  ['version 8', upgrade(['Upgrade: websocket', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 8'])],
  ['non-base64 key', upgrade(['Upgrade: websocket', 'Sec-WebSocket-Key: not a key!', 'Sec-WebSocket-Version: 13'])],
  ['two Origins', upgrade(['Upgrade: websocket', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13', 'Origin: https://a.example', 'Origin: https://b.example'])],
];

/** Text that hides: refused wherever a name, room name or message is read (issue #10 item 7). */
const HIDDEN: ReadonlyArray<readonly [unknown, string]> = [
  [{ type: 'set_profile', name: '\u202E' }, 'INVALID_NAME'],
  [{ type: 'set_profile', name: '\u200D\u3164' }, 'INVALID_NAME'],
  [{ type: 'set_profile', name: '\u2800' }, 'INVALID_NAME'],
  [{ type: 'set_profile', name: '\u{E0068}\u{E0069}' }, 'INVALID_NAME'],
  [{ type: 'create_room', name: '\u202Elobby' }, 'INVALID_ROOM'],
  [{ type: 'create_room', name: '\u3164' }, 'INVALID_ROOM'],
];

/**
 * Trickles request headers one byte every 100 ms (slow enough for no idle
 * timer to fire) for up to `giveUpMs`; resolves whether the server cut it off
 * first (the headers are far longer than the trickle lasts).
 */
function trickleHeaders(port: number, giveUpMs: number): Promise<{ cutByServer: boolean }> {
  const started = Date.now();
  let gaveUp = false;
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  let closed = false;
  const done = new Promise<{ cutByServer: boolean }>((resolve) => socket.on('close', () => resolve({ cutByServer: !gaveUp })));
  void done.then(() => (closed = true));
  const headers = `GET /healthz HTTP/1.1\r\nHost: x\r\n${'X-Slow: y\r\n'.repeat(2000)}`;
  void (async () => {
    for (let i = 0; !closed && i < headers.length && Date.now() - started < giveUpMs; i++) {
      socket.write(headers[i] as string);
      await new Promise((r) => setTimeout(r, 100));
    }
    gaveUp = !closed;
    socket.destroy();
  })();
  return done;
}

/** Issue #10 item 7's protocol-level holes (landed in wave 2's first merges): they must stay closed. */
export function describeSmallHoleProbes(env: Readonly<Record<string, string>>, figures: Figures): void {
  test('finding 7: strict upgrades (400), a BOM is BAD_JSON, hidden names and rooms refused, invisible-only messages refused, slow headers cut', async () => {
    const app = await startBatteryApp(env);
    // Slow headers run beside the rest: ws cuts them after httpHeadersTimeoutMs (5 s), uWS by its own timer.
    const slow = trickleHeaders(app.port, 30_000);

    for (const [what, request] of BAD_UPGRADES) {
      expect({ what, status: (await rawExchange(app.port, request)).split('\r\n', 1)[0] }).toEqual({ what, status: expect.stringMatching(/^HTTP\/1\.1 400 /) });
    }

    const { client } = await greet(app.url, 'probe', { headers: { 'X-Forwarded-For': HONEST_ADDRESS } });
    client.sendRaw('\uFEFF{"type":"ping","ts":"bom"}');
    expect(await client.next('error')).toMatchObject({ code: 'BAD_JSON' });
    for (const [frame, code] of HIDDEN) {
      client.send(frame);
      expect({ frame, code: (await client.next('error'))['code'] }).toEqual({ frame, code });
    }
    client.send({ type: 'create_room', name: 'visible' });
    await client.waitFor((f) => f['type'] === 'room_list');
    client.send({ type: 'join_room', roomId: 'visible' });
    await client.next('joined_room');
    client.send({ type: 'send_message', roomId: 'visible', message: { type: 'message', text: '\u200D\u3164\u2800' } });
    expect(await client.next('error')).toMatchObject({ code: 'INVALID_MESSAGE', requestType: 'send_message' });

    expect(await within(slow, 40_000, 'the slow-headers client to end')).toEqual({ cutByServer: true });
    client.send({ type: 'ping', ts: 'after' });
    await client.waitFor((f) => f['type'] === 'pong' && f['ts'] === 'after');
    const up = app.alive() && (await app.health()) === 200;
    figures.record({ inputs: BAD_UPGRADES.length + HIDDEN.length + 5, crashes: up ? 0 : 1, lost: 0, pingLatenciesMs: [] });
    expect(up).toBe(true);
  }, 60_000);
}
