import { decideUpgrade } from './upgrade-policy';
import { isUpgradeAttempt, type EdgeRequest } from './upgrade-request';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function request(headers: Array<[string, string]>, url = '/', method = 'GET'): EdgeRequest {
  return {
    method,
    url,
    socketAddress: '127.0.0.1',
    header: (name) => headers.filter(([n]) => n === name).map(([, v]) => v),
  };
}

const handshake: Array<[string, string]> = [
  ['upgrade', 'websocket'],
  ['connection', 'Upgrade'],
  ['sec-websocket-key', KEY],
  ['sec-websocket-version', '13'],
];
const anyOrigin = (): boolean => true;
const only = (allowed: string) => (origin: string | undefined) => origin === undefined || origin === allowed;
const without = (name: string) => handshake.filter(([n]) => n !== name);

describe('decideUpgrade', () => {
  test('a valid handshake at / is accepted with its Origin; a query string is ignored', () => {
    expect(decideUpgrade(request([...handshake, ['origin', 'https://a.example']], '/?x=1'), anyOrigin, false)).toEqual({
      accept: true,
      origin: 'https://a.example',
    });
    expect(decideUpgrade(request(handshake), anyOrigin, false)).toEqual({ accept: true, origin: undefined });
  });

  test('an empty Origin counts as none', () => {
    expect(decideUpgrade(request([...handshake, ['origin', '']]), only('https://a.example'), false)).toEqual({ accept: true, origin: undefined });
  });

  test('while closing every upgrade gets 503, before any other check', () => {
    expect(decideUpgrade(request([], '/nope', 'POST'), anyOrigin, true)).toMatchObject({ accept: false, status: 503 });
  });

  test('another path gets 404, another method 405', () => {
    expect(decideUpgrade(request(handshake, '/chat'), anyOrigin, false)).toMatchObject({ accept: false, status: 404 });
    expect(decideUpgrade(request(handshake, '/', 'POST'), anyOrigin, false)).toMatchObject({ accept: false, status: 405 });
  });

  test.each([
    ['no Upgrade header', without('upgrade')],
    ['Upgrade other than websocket', [...without('upgrade'), ['upgrade', 'h2c']]],
    ['no key', without('sec-websocket-key')],
    ['a key that is not 16 bytes of base64', [...without('sec-websocket-key'), ['sec-websocket-key', 'c2hvcnQ=']]],
    ['two keys', [...handshake, ['sec-websocket-key', KEY]]],
    ['no version', without('sec-websocket-version')],
    ['version 8', [...without('sec-websocket-version'), ['sec-websocket-version', '8']]],
    ['two Origin headers', [...handshake, ['origin', 'https://a.example'], ['origin', 'https://b.example']]],
  ] as Array<[string, Array<[string, string]>]>)('%s gets 400', (_, headers) => {
    expect(decideUpgrade(request(headers), anyOrigin, false)).toMatchObject({ accept: false, status: 400, why: 'handshake' });
  });

  test('Upgrade is matched case-insensitively', () => {
    expect(decideUpgrade(request([...without('upgrade'), ['upgrade', 'WebSocket']]), anyOrigin, false)).toMatchObject({ accept: true });
  });

  test('the connection caps come last: 503 when the server is full, 429 when the address is', () => {
    expect(decideUpgrade(request(handshake), anyOrigin, false, () => 'server-full')).toMatchObject({ accept: false, status: 503, why: 'server-full' });
    expect(decideUpgrade(request(handshake), anyOrigin, false, () => 'address-full')).toMatchObject({ accept: false, status: 429, why: 'address-full' });
    expect(decideUpgrade(request(without('sec-websocket-key')), anyOrigin, false, () => 'server-full')).toMatchObject({ status: 400 });
    expect(decideUpgrade(request(handshake), anyOrigin, false, () => 'ok')).toMatchObject({ accept: true });
  });

  test('a refused Origin gets 403', () => {
    const verdict = decideUpgrade(request([...handshake, ['origin', 'https://evil.example']]), only('https://a.example'), false);
    expect(verdict).toMatchObject({ accept: false, status: 403, why: 'origin' });
  });
});

describe('isUpgradeAttempt', () => {
  test('needs Upgrade and a Connection header naming upgrade, as node:http does', () => {
    expect(isUpgradeAttempt(request([['upgrade', 'websocket'], ['connection', 'keep-alive, Upgrade']]))).toBe(true);
    expect(isUpgradeAttempt(request([['upgrade', 'websocket']]))).toBe(false);
    expect(isUpgradeAttempt(request([['connection', 'upgrade']]))).toBe(false);
  });
});
