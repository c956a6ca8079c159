import { createLimits } from './limits';
import { createDecoder } from './protocol/decode';
import { own } from './protocol/json-object';
import type { RequestSpec } from './request-spec';
import { requestTable } from './request-table';

/** A test-only extension request, as a feature negotiated in `hello.features` would add one. */
const shout: RequestSpec<{ readonly type: 'shout'; readonly loud: boolean }> = {
  type: 'shout',
  feature: 'test-shout',
  needsHello: true,
  pipelines: false,
  decode(o) {
    const loud = own(o, 'loud');
    if (typeof loud !== 'boolean') throw new Error('only reached when negotiated');
    return { type: 'shout', loud };
  },
  handle() {},
};

const decoder = createDecoder(createLimits(), [...requestTable, shout]);
const failure = (frame: unknown, features?: ReadonlySet<string>) => {
  const r = decoder.decode(JSON.stringify(frame), features);
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.request)}`);
  return { code: r.error.code, message: r.error.message, requestType: r.requestType };
};

describe('request table', () => {
  test('one row per rg-chat-v1 request, none of them behind a feature', () => {
    expect(requestTable.map((r) => r.type)).toEqual(['hello', 'set_profile', 'create_room', 'join_room', 'send_message', 'ping']);
    expect(requestTable.filter((r) => r.feature !== undefined)).toEqual([]);
    expect(requestTable.filter((r) => r.pipelines).map((r) => r.type)).toEqual(['send_message']);
    expect(requestTable.filter((r) => !r.needsHello).map((r) => r.type)).toEqual(['hello', 'ping']);
  });

  test('a featured request the connection did not negotiate is answered exactly as an unknown type', () => {
    const unknown = failure({ type: 'yell', loud: true });
    expect(failure({ type: 'shout', loud: true })).toEqual({ ...unknown, requestType: 'shout' });
    expect(failure({ type: 'shout', loud: true }, new Set(['presence']))).toEqual({ ...unknown, requestType: 'shout' });
    // Not even decoded: its own field errors do not show either.
    expect(failure({ type: 'shout' })).toEqual({ ...unknown, requestType: 'shout' });
    expect(unknown).toEqual({ code: 'UNKNOWN_TYPE', message: 'Unknown request type.', requestType: 'yell' });
  });

  test('once negotiated, it decodes to its row', () => {
    const r = decoder.decode('{"type":"shout","loud":true}', new Set(['test-shout']));
    expect(r).toMatchObject({ ok: true, request: { type: 'shout', loud: true }, spec: shout });
  });

  test('rg-chat-v1 requests need no feature', () => {
    expect(decoder.decode('{"type":"ping","ts":1}')).toMatchObject({ ok: true, request: { type: 'ping', ts: 1 } });
  });
});
