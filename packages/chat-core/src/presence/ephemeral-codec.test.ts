import { decodeBusEvent, encodeBusEvent } from '../bus-codec';
import type { BusEvent } from '../ports/bus';

const member = { clientId: 'conn_1', userId: 'usr_abc', name: 'ann "the" \\ 𝄞', avatarId: Number.MAX_SAFE_INTEGER };

const events: BusEvent[] = [
  { kind: 'presence', instanceId: 'inst_a', deltas: [{ roomId: 'lobby', clientId: 'conn_1', member }, { roomId: 'den', clientId: 'conn_2', member: null }] },
  { kind: 'presence_beat', instanceId: 'inst_a', members: 12 },
  { kind: 'presence_sync', instanceId: 'inst_a', target: null },
  { kind: 'presence_sync', instanceId: 'inst_a', target: 'inst_b' },
  { kind: 'presence_state', instanceId: 'inst_a', epoch: 3, members: [{ roomId: 'lobby', member }], last: true },
  { kind: 'presence_state', instanceId: 'inst_a', epoch: 4, members: [], last: false },
  { kind: 'presence_bye', instanceId: 'inst_a' },
  { kind: 'typing', roomId: 'lobby', clientId: 'conn_1', name: 'ann', active: false },
];

describe('ephemeral bus events (presence, typing) in the bus codec', () => {
  test.each(events.map((e) => [e.kind, e] as const))('%s round-trips exactly', (_kind, event) => {
    expect(decodeBusEvent(encodeBusEvent('inst_bus', event))).toEqual({ instanceId: 'inst_bus', event });
  });

  test('malformed ones are dropped, never half-read', () => {
    const bad = [
      { i: 'x', k: 'presence', o: 'a', d: [['lobby', 'c1', 'u1', 'n', 'not-a-number']] },
      { i: 'x', k: 'presence', o: 'a', d: 'nope' },
      { i: 'x', k: 'presence', d: [] },
      { i: 'x', k: 'presence_beat', o: 'a', n: 1.5 },
      { i: 'x', k: 'presence_sync', o: 'a', t: 7 },
      { i: 'x', k: 'presence_state', o: 'a', e: 1, m: [['lobby', 'c1']], z: true },
      { i: 'x', k: 'presence_state', o: 'a', e: 1, m: [], z: 'yes' },
      { i: 'x', k: 'presence_bye' },
      { i: 'x', k: 'typing', r: 'lobby', c: 'c1', n: 'ann', a: 1 },
      { i: 'x', k: 'presence_unknown', o: 'a' },
    ];
    for (const b of bad) expect(decodeBusEvent(JSON.stringify(b))).toBeUndefined();
  });

  test('a state part packs members as arrays, not objects', () => {
    const text = encodeBusEvent('i', { kind: 'presence_state', instanceId: 'i', epoch: 1, members: [{ roomId: 'lobby', member }], last: true });
    expect(text).not.toContain('clientId');
  });
});
