import { createLimits } from '../limits';
import { createDecoder } from './decode';
import { slugify, stripControlsKeepLines, wellFormed } from './text';
import { hasVisibleCharacter, stripHiddenFormatting } from './visible-text';

const d = createDecoder(createLimits());
const ok = (frame: unknown) => {
  const r = d.decode(typeof frame === 'string' ? frame : JSON.stringify(frame));
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.request;
};
const err = (frame: unknown) => {
  const r = d.decode(typeof frame === 'string' ? frame : JSON.stringify(frame));
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.request)}`);
  return { code: r.error.code, message: r.error.message, requestType: r.requestType };
};
const repeat = (s: string, n: number) => s.repeat(n);

describe('frame shape', () => {
  test.each([
    ['{', 'BAD_JSON', null],
    ['', 'BAD_JSON', null],
    ['{"type":"ping",}', 'BAD_JSON', null],
  ])('malformed JSON %j -> %s', (frame, code, requestType) => {
    expect(err(frame)).toMatchObject({ code, requestType });
  });

  test.each(['null', '42', '"hello"', '[]', '[{"type":"ping"}]', 'true'])('non-object %s -> INVALID_REQUEST', (frame) => {
    expect(err(frame)).toMatchObject({ code: 'INVALID_REQUEST', requestType: null });
  });

  test.each([{}, { type: 5 }, { type: null }, { type: ['hello'] }, { type: { x: 1 } }])('missing or non-string type %j', (frame) => {
    expect(err(frame).code).toBe('INVALID_REQUEST');
  });

  test('unknown types name themselves in requestType', () => {
    expect(err({ type: 'shout' })).toMatchObject({ code: 'UNKNOWN_TYPE', requestType: 'shout' });
    expect(err({ type: 'HELLO' }).code).toBe('UNKNOWN_TYPE');
    expect(err({ type: 'toString' }).code).toBe('UNKNOWN_TYPE');
    expect(err({ type: '__proto__' }).code).toBe('UNKNOWN_TYPE');
  });

  test('__proto__ and constructor keys are plain data, never prototypes', () => {
    const r = ok('{"type":"set_profile","__proto__":{"name":"evil"},"constructor":{"x":1}}');
    expect(r).toEqual({ type: 'set_profile', name: undefined, avatarId: undefined });
    const h = ok('{"type":"hello","profile":{"__proto__":{"name":"evil"}}}');
    expect(h).toMatchObject({ type: 'hello', name: undefined });
    expect(({} as Record<string, unknown>).name).toBeUndefined();
  });

  test('a type inherited from Object.prototype is not a type', () => {
    expect(err('{"__proto__":{"type":"ping"}}').code).toBe('INVALID_REQUEST');
  });
});

describe('hello', () => {
  test('full hello as in the seed', () => {
    expect(
      ok({ type: 'hello', protocol: 'rg-chat-v1', sessionId: 's-1', profile: { name: 'guest123', avatarId: 1234 }, resumeRoomId: 'lobby' }),
    ).toEqual({ type: 'hello', sessionId: 's-1', name: 'guest123', avatarId: 1234, resumeRoomId: 'lobby' });
  });
  test('bare hello is fine', () => {
    expect(ok({ type: 'hello' })).toEqual({ type: 'hello', sessionId: undefined, name: undefined, avatarId: undefined, resumeRoomId: undefined });
  });
  test('an invalid name or avatar falls back instead of failing', () => {
    expect(ok({ type: 'hello', profile: { name: 'two words', avatarId: 1.5 } })).toMatchObject({ name: undefined, avatarId: undefined });
    expect(ok({ type: 'hello', profile: { name: 42, avatarId: '7' } })).toMatchObject({ name: undefined, avatarId: undefined });
    expect(ok({ type: 'hello', profile: 'alice' })).toMatchObject({ name: undefined });
  });
  test('resumeRoomId is normalised, and junk is ignored', () => {
    expect(ok({ type: 'hello', resumeRoomId: '  Lobby ' })).toMatchObject({ resumeRoomId: 'lobby' });
    expect(ok({ type: 'hello', resumeRoomId: 7 })).toMatchObject({ resumeRoomId: undefined });
    expect(ok({ type: 'hello', resumeRoomId: '!!!' })).toMatchObject({ resumeRoomId: undefined });
    expect(ok({ type: 'hello', resumeRoomId: null })).toMatchObject({ resumeRoomId: undefined });
  });
  test('another protocol is refused', () => {
    expect(err({ type: 'hello', protocol: 'rg-chat-v2' })).toMatchObject({ code: 'UNSUPPORTED_PROTOCOL', requestType: 'hello' });
  });
  test('sessionId is capped', () => {
    const r = ok({ type: 'hello', sessionId: repeat('s', 1000) });
    expect(r.type === 'hello' && r.sessionId?.length).toBe(128);
  });
});

describe('names (set_profile)', () => {
  const name = (n: unknown) => ok({ type: 'set_profile', name: n });
  const bad = (n: unknown) => err({ type: 'set_profile', name: n });

  test('trimmed, kept otherwise', () => {
    expect(name('  alice\t')).toMatchObject({ name: 'alice' });
    expect(name('Ünïcødé')).toMatchObject({ name: 'Ünïcødé' });
  });
  test('exactly at the limit passes, one over fails (code points, not UTF-16 units)', () => {
    expect(name(repeat('a', 24))).toMatchObject({ name: repeat('a', 24) });
    expect(bad(repeat('a', 25))).toMatchObject({ code: 'INVALID_NAME', requestType: 'set_profile' });
    expect(name(repeat('😀', 24))).toMatchObject({ name: repeat('😀', 24) });
    expect(bad(repeat('😀', 25)).code).toBe('INVALID_NAME');
  });
  test.each([' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\u3000', '\u200b', '\u2028', '\ufeff', '\u0085'])(
    'inner whitespace %j is refused as the seed says',
    (ws) => {
      expect(bad(`a${ws}b`)).toMatchObject({ code: 'INVALID_NAME', message: 'Names cannot contain spaces.' });
    },
  );
  test('empty or blank names are refused', () => {
    expect(bad('').code).toBe('INVALID_NAME');
    expect(bad('   ').code).toBe('INVALID_NAME');
  });
  test('control characters are refused', () => {
    expect(bad('a\u0000b').code).toBe('INVALID_NAME');
    expect(bad('a\u0007b').code).toBe('INVALID_NAME');
  });
  test('wrong JSON types get INVALID_NAME', () => {
    for (const v of [42, true, null, ['a'], { a: 1 }]) expect(bad(v).code).toBe('INVALID_NAME');
  });
  test('lone surrogates become U+FFFD', () => {
    expect(name('a\ud800b')).toMatchObject({ name: 'a\ufffdb' });
  });
});

describe('avatarId', () => {
  test('safe integers pass, including 0 and negatives', () => {
    for (const a of [0, 1234, -5, Number.MAX_SAFE_INTEGER]) expect(ok({ type: 'set_profile', avatarId: a })).toMatchObject({ avatarId: a });
  });
  test('anything else is INVALID_AVATAR', () => {
    for (const a of [1.5, '12', null, Number.MAX_SAFE_INTEGER + 1, [], {}]) {
      expect(err({ type: 'set_profile', avatarId: a }).code).toBe('INVALID_AVATAR');
    }
    expect(err('{"type":"set_profile","avatarId":1e400}').code).toBe('INVALID_AVATAR');
  });
  test('set_profile also accepts a nested profile like hello', () => {
    expect(ok({ type: 'set_profile', profile: { name: 'bob', avatarId: 3 } })).toEqual({ type: 'set_profile', name: 'bob', avatarId: 3 });
  });
});

describe('rooms', () => {
  const create = (n: unknown) => ok({ type: 'create_room', name: n });
  test('id is a slug of the trimmed display name', () => {
    expect(create('  lobby ')).toEqual({ type: 'create_room', id: 'lobby', name: 'lobby' });
    expect(create('My Room!')).toEqual({ type: 'create_room', id: 'my-room', name: 'My Room!' });
    expect(create('Café  Crème')).toEqual({ type: 'create_room', id: 'cafe-creme', name: 'Café Crème' });
    expect(create('a\t\nb')).toMatchObject({ id: 'a-b', name: 'a b' });
    expect(create('--x__y--')).toMatchObject({ id: 'x__y' });
    expect(create('dev & ops / 2024')).toMatchObject({ id: 'dev-ops-2024' });
  });
  test('display name at 40 passes, 41 fails', () => {
    expect(create(repeat('r', 40))).toMatchObject({ id: repeat('r', 40) });
    expect(err({ type: 'create_room', name: repeat('r', 41) })).toMatchObject({ code: 'INVALID_ROOM', requestType: 'create_room' });
  });
  test('empty after normalisation is refused', () => {
    for (const n of ['', '   ', '!!!', '😀😀', '中文', '---']) expect(err({ type: 'create_room', name: n }).code).toBe('INVALID_ROOM');
    expect(err({ type: 'create_room' }).code).toBe('INVALID_ROOM');
    expect(err({ type: 'create_room', name: 5 }).code).toBe('INVALID_ROOM');
  });
  test('join normalises the id the same way', () => {
    expect(ok({ type: 'join_room', roomId: 'My Room' })).toEqual({ type: 'join_room', roomId: 'my-room' });
    expect(err({ type: 'join_room', roomId: '' }).code).toBe('INVALID_ROOM');
    expect(err({ type: 'join_room', roomId: repeat('x', 300) }).code).toBe('INVALID_ROOM');
    expect(err({ type: 'join_room' }).code).toBe('INVALID_ROOM');
  });
});

describe('send_message', () => {
  const send = (message: unknown, roomId: unknown = 'lobby') => ({ type: 'send_message', roomId, message });
  test('text is trimmed; type defaults to message; emote accepted', () => {
    expect(ok(send({ type: 'message', text: '  hi  ' }))).toEqual({ type: 'send_message', roomId: 'lobby', messageType: 'message', text: 'hi' });
    expect(ok(send({ type: 'emote', text: 'waves' }))).toMatchObject({ messageType: 'emote' });
    expect(ok(send({ text: 'x' }))).toMatchObject({ messageType: 'message' });
  });
  test('400 code points pass, 401 fail', () => {
    expect(ok(send({ text: repeat('x', 400) }))).toMatchObject({ text: repeat('x', 400) });
    expect(ok(send({ text: repeat('𝄞', 400) }))).toMatchObject({ text: repeat('𝄞', 400) });
    expect(err(send({ text: repeat('x', 401) }))).toMatchObject({ code: 'INVALID_MESSAGE', requestType: 'send_message' });
    expect(err(send({ text: repeat('𝄞', 401) })).code).toBe('INVALID_MESSAGE');
    expect(ok(send({ text: `  ${repeat('x', 400)}  ` }))).toMatchObject({ text: repeat('x', 400) });
  });
  test('empty, blank, wrong types and unknown message types are refused', () => {
    for (const m of [{ text: '' }, { text: ' \n\t ' }, { text: 5 }, {}, { type: 'shout', text: 'x' }, { type: 'Emote', text: 'x' }]) {
      expect(err(send(m)).code).toBe('INVALID_MESSAGE');
    }
    expect(err(send('hi')).code).toBe('INVALID_MESSAGE');
    expect(err(send(null)).code).toBe('INVALID_MESSAGE');
  });
  test('control characters are dropped, newlines kept', () => {
    expect(ok(send({ text: 'a\u0000b\r\nc\u0007' }))).toMatchObject({ text: 'ab\nc' });
    expect(err(send({ text: '\u0000\u0001' })).code).toBe('INVALID_MESSAGE');
  });
  test('room id is required and normalised', () => {
    expect(err(send({ text: 'x' }, 5)).code).toBe('INVALID_ROOM');
    expect(ok(send({ text: 'x' }, 'Lobby'))).toMatchObject({ roomId: 'lobby' });
  });
});

describe('fast paths agree with the full rules', () => {
  // decode skips the schemas for canonical room ids and printable-ASCII text;
  // the result must be what the schemas' normalisation gives, for every input.
  const roomIds = ['lobby', 'a', '0', '_', 'a-b', 'a_b-c9', '-a', 'a-', 'a--b', '--', '-', 'A', 'a b', 'a.b', 'é', 'ａ', 'a\u0000', ' a', 'a\t', repeat('x', 256), repeat('x', 257)];
  const texts = ['hi', ' hi ', '~!@#$%^&*()_+{}|:"<>?`-=[]\\;\',./', 'a  b', ' ', '\t', 'a\tb', 'a\nb', '\u007f', 'é', 'a\u0085', repeat('x', 400), ` ${repeat('x', 400)} `, repeat('x', 401), ` ${repeat(' ', 800)} `, repeat(' ', 900) + 'x',
    // Invisible-only, bidi and tag cases (issue #10): none is printable ASCII, so all take the full rules.
    '\u200d', ' \u3164 ', '\u2800', '\u{e0068}\u{e0069}', 'a\u{e0068}', '\u202eabc', 'x\u2066y\u2069', '\u202e', '\u200f', 'a\u200fb', '\u0301',
    '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}', '\u05e9\u05dc\u05d5\u05dd', ` ${repeat('\u200b', 5)} `, `\u202e${repeat('x', 400)}`];

  test('room ids', () => {
    for (const roomId of roomIds) {
      const want = roomId.length <= 256 ? slugify(wellFormed(roomId)) : '';
      const frame = { type: 'send_message', roomId, message: { text: 'x' } };
      if (want === '') expect(err(frame).code).toBe('INVALID_ROOM');
      else expect(ok(frame)).toMatchObject({ roomId: want });
      if (want !== '') expect(ok({ type: 'join_room', roomId })).toEqual({ type: 'join_room', roomId: want });
    }
  });
  test('texts', () => {
    for (const text of texts) {
      const want = stripHiddenFormatting(stripControlsKeepLines(wellFormed(text))).trim();
      const frame = { type: 'send_message', roomId: 'lobby', message: { text } };
      if (!hasVisibleCharacter(want) || [...want].length > 400) expect(err(frame).code).toBe('INVALID_MESSAGE');
      else expect(ok(frame)).toMatchObject({ text: want });
    }
  });
});

describe('ping', () => {
  test('ts is echoed when a number or short string, else dropped', () => {
    expect(ok({ type: 'ping', ts: 1730000000000 })).toEqual({ type: 'ping', ts: 1730000000000 });
    expect(ok({ type: 'ping', ts: 'abc' })).toEqual({ type: 'ping', ts: 'abc' });
    expect(ok({ type: 'ping' })).toEqual({ type: 'ping', ts: undefined });
    expect(ok({ type: 'ping', ts: { a: 1 } })).toEqual({ type: 'ping', ts: undefined });
  });
});

describe('limits come from one object', () => {
  test('a custom limit changes the rule everywhere', () => {
    const small = createDecoder(createLimits({ maxNameLength: 3, maxMessageLength: 5, maxRoomNameLength: 4 }));
    expect(small.decode('{"type":"set_profile","name":"abcd"}')).toMatchObject({ ok: false });
    expect(small.decode('{"type":"send_message","roomId":"r","message":{"text":"123456"}}')).toMatchObject({ ok: false });
    expect(small.decode('{"type":"create_room","name":"abcde"}')).toMatchObject({ ok: false });
    expect(small.decode('{"type":"create_room","name":"abcd"}')).toMatchObject({ ok: true });
  });
  test('invalid limits are refused, naming the field', () => {
    expect(() => createLimits({ historyLimit: 0 })).toThrow(/historyLimit/);
    expect(() => createLimits({ maxPayloadBytes: 1.5 })).toThrow(/maxPayloadBytes/);
    expect(() => createLimits({ bogus: 1 } as never)).toThrow(/invalid limits/);
  });
});
