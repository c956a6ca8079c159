import { createLimits } from '../limits';
import { createDecoder } from './decode';
import { displayNameProblem, hasVisibleCharacter, stripHiddenFormatting } from './visible-text';

// Every rule is asserted through the decoder, the one place frames are
// validated, so what is tested is what a client gets.
const d = createDecoder(createLimits());
const decode = (frame: unknown) => d.decode(JSON.stringify(frame));
const ok = (frame: unknown) => {
  const r = decode(frame);
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.request;
};
const err = (frame: unknown) => {
  const r = decode(frame);
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.request)}`);
  return { code: r.error.code, message: r.error.message };
};

const setName = (name: string) => ({ type: 'set_profile', name });
const createRoom = (name: string) => ({ type: 'create_room', name });
const send = (text: string) => ({ type: 'send_message', roomId: 'lobby', message: { type: 'message', text } });

const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'; // 👨‍👩‍👧
const RAINBOW_FLAG = '\u{1F3F3}\uFE0F\u200D\u{1F308}'; // 🏳️‍🌈
const SCOTLAND = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}'; // 🏴󠁧󠁢󠁳󠁣󠁴󠁿
const THUMBS_UP_MEDIUM = '\u{1F44D}\u{1F3FD}'; // 👍🏽
const HEART = '\u2764\uFE0F'; // ❤️
const KEYCAP_ONE = '1\uFE0F\u20E3'; // 1️⃣
const PERSIAN = 'می\u200Cخواهم'; // ZWNJ inside a word
const DEVANAGARI = 'क्\u200Dष'; // ZWJ after a virama
const HEBREW = 'שלום';
const ARABIC = 'مرحبا';
const COMBINING = 'e\u0301'; // e + combining acute: NFKC composes it in names
const TAGS = '\u{E0068}\u{E0069}'; // "hi" in tag characters: invisible ASCII

/** Code points that draw nothing on their own, one of each class issue #10 names, and their kin. */
const INVISIBLE: ReadonlyArray<readonly [string, string]> = [
  ['U+200D ZWJ', '\u200D'],
  ['U+200C ZWNJ', '\u200C'],
  ['U+3164 HANGUL FILLER', '\u3164'],
  ['U+115F HANGUL CHOSEONG FILLER', '\u115F'],
  ['U+1160 HANGUL JUNGSEONG FILLER', '\u1160'],
  ['U+FFA0 HALFWIDTH HANGUL FILLER', '\uFFA0'],
  ['U+2800 BRAILLE PATTERN BLANK', '\u2800'],
  ['U+1D159 MUSICAL SYMBOL NULL NOTEHEAD', '\u{1D159}'],
  ['U+E0001 LANGUAGE TAG', '\u{E0001}'],
  ['tag characters', TAGS],
  ['U+E007F CANCEL TAG', '\u{E007F}'],
  ['U+FE0F VS16', '\uFE0F'],
  ['U+E0100 VS17', '\u{E0100}'],
  ['U+00AD SOFT HYPHEN', '\u00AD'],
  ['U+034F COMBINING GRAPHEME JOINER', '\u034F'],
  ['U+2062 INVISIBLE TIMES', '\u2062'],
  ['U+180E MONGOLIAN VOWEL SEPARATOR', '\u180E'],
  ['U+0301 a lone combining mark', '\u0301'],
];

/** Bidi_Control: explicit embeddings, overrides, isolates, and the marks. */
const BIDI: ReadonlyArray<readonly [string, string]> = [
  ['U+202A LRE', '\u202A'],
  ['U+202B RLE', '\u202B'],
  ['U+202C PDF', '\u202C'],
  ['U+202D LRO', '\u202D'],
  ['U+202E RLO', '\u202E'],
  ['U+2066 LRI', '\u2066'],
  ['U+2067 RLI', '\u2067'],
  ['U+2068 FSI', '\u2068'],
  ['U+2069 PDI', '\u2069'],
  ['U+200E LRM', '\u200E'],
  ['U+200F RLM', '\u200F'],
  ['U+061C ALM', '\u061C'],
];
const SCOPED_BIDI = BIDI.filter(([, c]) => !'\u200E\u200F\u061C'.includes(c));

/** Legitimate names with invisible code points in context, and scripts that must keep working. */
const LEGITIMATE = [FAMILY, RAINBOW_FLAG, SCOTLAND, THUMBS_UP_MEDIUM, HEART, KEYCAP_ONE, PERSIAN, DEVANAGARI, HEBREW, ARABIC, '東京', '한국', 'Zoë', '∩\uFE00', '葛\u{E0100}'];

describe('names (hello.profile.name, set_profile.name)', () => {
  test.each(INVISIBLE)('%s alone, or several, is refused', (_label, c) => {
    expect(err(setName(c))).toMatchObject({ code: 'INVALID_NAME' });
    expect(err(setName(c.repeat(3))).code).toBe('INVALID_NAME');
  });
  test.each(INVISIBLE.filter(([label]) => !label.includes('mark')))('%s cannot hide inside a name either', (_label, c) => {
    expect(err(setName(`al${c}ice`))).toMatchObject({ code: 'INVALID_NAME', message: expect.stringMatching(/^Names /) });
    expect(err(setName(`alice${c}`)).code).toBe('INVALID_NAME');
  });
  test.each(BIDI)('%s is refused, alone and inside a name', (_label, c) => {
    expect(err(setName(c)).code).toBe('INVALID_NAME');
    expect(err(setName(`${c}alice`))).toEqual({ code: 'INVALID_NAME', message: 'Names cannot contain bidirectional control characters.' });
    expect(err(setName(`${HEBREW}${c}`)).code).toBe('INVALID_NAME');
  });
  test('the messages say what is wrong', () => {
    expect(err(setName('ab\u3164'))).toEqual({ code: 'INVALID_NAME', message: 'Names cannot contain invisible characters.' });
    expect(err(setName('ab\uE000'))).toEqual({ code: 'INVALID_NAME', message: 'Names cannot contain private-use or unassigned characters.' });
    expect(err(setName('\u{40000}x')).message).toBe('Names cannot contain private-use or unassigned characters.');
    expect(err(setName('\u0301ab'))).toEqual({ code: 'INVALID_NAME', message: 'Names cannot start with a combining mark.' });
    // Existing messages keep their precedence.
    expect(err(setName('a\u200Bb')).message).toBe('Names cannot contain spaces.');
    expect(err(setName('a\u0007b')).message).toBe('Names cannot contain control characters.');
  });
  test.each(LEGITIMATE)('%s is accepted', (n) => {
    expect(ok(setName(n))).toMatchObject({ name: n });
  });
  test('joiners only where they join, selectors only after what they select a variant of', () => {
    const refused = ['\u200D\u{1F469}', '\u{1F468}\u200D', '\u{1F468}\u200D\u200D\u{1F469}', 'a\u200C\u200Cb', 'ab\u200D', 'xy\u200Cz', 'a\u200D\u{1F469}'];
    refused.push(`${HEART}\u200D`, `${KEYCAP_ONE}\u200D`, '\uFE0F\u2764', 'a\uFE0F', 'a\uFE00', '\u2764\u{E0100}', 'ab\u180B');
    for (const n of refused) {
      expect(err(setName(n)).code).toBe('INVALID_NAME');
    }
  });
  test('only a well-formed subdivision flag may carry tag characters', () => {
    expect(err(setName(`a${TAGS}\u{E007F}`)).code).toBe('INVALID_NAME');
    expect(err(setName(`\u{1F3F4}${TAGS}`)).code).toBe('INVALID_NAME'); // no cancel tag
    expect(err(setName(`\u{1F3F4}${'\u{E0061}'.repeat(8)}\u{E007F}`)).code).toBe('INVALID_NAME'); // longer than any subdivision id
    expect(err(setName(`\u{1F3F4}\u{E0041}\u{E0042}\u{E0043}\u{E007F}`)).code).toBe('INVALID_NAME'); // capitals are not in ids
  });
  test('NFKC maps width and compatibility forms; case is kept (RFC 8266)', () => {
    expect(ok(setName('ＡＬＩＣＥ'))).toMatchObject({ name: 'ALICE' });
    expect(ok(setName('ｶﾀｶﾅ'))).toMatchObject({ name: 'カタカナ' });
    expect(ok(setName(COMBINING))).toMatchObject({ name: '\u00E9' });
    expect(ok(setName('x²'))).toMatchObject({ name: 'x2' });
    // Compatibility jamo become conjoining jamo (RFC 8266 takes NFKC as it is); still accepted.
    expect(ok(setName('ㅋㅋ'))).toMatchObject({ name: '\u110F\u110F' });
    expect(ok(setName('Bob'))).toMatchObject({ name: 'Bob' });
  });
  test('NFKC spaces are still spaces, and still refused', () => {
    expect(err(setName('a\u00A0b')).message).toBe('Names cannot contain spaces.');
    expect(err(setName('\uFDFA')).message).toBe('Names cannot contain spaces.'); // expands to four words
  });
  test('the length limit counts the normalised name', () => {
    expect(ok(setName('ａ'.repeat(24)))).toMatchObject({ name: 'a'.repeat(24) });
    expect(err(setName('ﬃ'.repeat(9))).code).toBe('INVALID_NAME'); // 9 ligatures are 27 letters
  });
  test('a prepared name is stable: preparing it again changes nothing', () => {
    for (const n of [...LEGITIMATE, 'ＡＬＩＣＥ', COMBINING, 'x²', ' ´a']) {
      const first = decode(setName(n));
      if (!first.ok || first.request.type !== 'set_profile') continue;
      expect(ok(setName(first.request.name ?? ''))).toEqual(first.request);
    }
  });
  test('hello falls back to a guest name instead of failing', () => {
    for (const [, c] of [...INVISIBLE, ...BIDI]) {
      expect(ok({ type: 'hello', profile: { name: c, avatarId: 1 } })).toMatchObject({ name: undefined, avatarId: 1 });
    }
    expect(ok({ type: 'hello', profile: { name: '\u202Eecila' } })).toMatchObject({ name: undefined });
    expect(ok({ type: 'hello', profile: { name: FAMILY } })).toMatchObject({ name: FAMILY });
  });
});

describe('room display names (create_room.name)', () => {
  test.each(BIDI)('%s is refused', (_label, c) => {
    expect(err(createRoom(`${c}lobby`))).toEqual({ code: 'INVALID_ROOM', message: 'Room names cannot contain bidirectional control characters.' });
    expect(err(createRoom(`lobby ${c}`)).code).toBe('INVALID_ROOM');
  });
  test.each(INVISIBLE.filter(([label]) => !label.includes('mark')))('%s alone or hidden in a room name is refused', (_label, c) => {
    expect(err(createRoom(c)).code).toBe('INVALID_ROOM');
    expect(err(createRoom(`lob${c}by`))).toMatchObject({ code: 'INVALID_ROOM', message: expect.stringMatching(/^Room names /) });
  });
  test('legitimate room names are accepted, emoji and RTL included', () => {
    expect(ok(createRoom(`dev ${FAMILY} ${HEART}`))).toEqual({ type: 'create_room', id: 'dev', name: `dev ${FAMILY} ${HEART}` });
    expect(ok(createRoom(`${HEBREW} chat`))).toEqual({ type: 'create_room', id: 'chat', name: `${HEBREW} chat` });
    expect(ok(createRoom(`${ARABIC} 2024`))).toMatchObject({ name: `${ARABIC} 2024` });
    expect(ok(createRoom(`${SCOTLAND} fans`))).toMatchObject({ id: 'fans' });
  });
  test('prepared as RFC 8266 nicknames: NFKC, spaces mapped, trimmed and collapsed; the id is unchanged', () => {
    expect(ok(createRoom('Ｍｙ\u3000Ｒｏｏｍ'))).toEqual({ type: 'create_room', id: 'my-room', name: 'My Room' });
    expect(ok(createRoom('Cafe\u0301\u00A0\u00A0x²'))).toEqual({ type: 'create_room', id: 'cafe-x2', name: 'Café x2' });
  });
  test('a leading combining mark is refused', () => {
    expect(err(createRoom('\u0301lobby'))).toEqual({ code: 'INVALID_ROOM', message: 'Room names cannot start with a combining mark.' });
  });
});

describe('message text', () => {
  test.each(INVISIBLE)('%s alone, or several, is refused', (_label, c) => {
    expect(err(send(c))).toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(err(send(` ${c.repeat(5)}\n`)).code).toBe('INVALID_MESSAGE');
  });
  test('invisible-only text gets its own message', () => {
    expect(err(send('\u200D\u3164\u2800'))).toEqual({ code: 'INVALID_MESSAGE', message: 'Message must contain visible text.' });
  });
  test.each(SCOPED_BIDI)('%s is dropped, and alone leaves nothing', (_label, c) => {
    expect(ok(send(`abc${c}def`))).toMatchObject({ text: 'abcdef' });
    expect(ok(send(`${c} ${HEBREW}`))).toMatchObject({ text: HEBREW });
    expect(err(send(c))).toEqual({ code: 'INVALID_MESSAGE', message: 'Message cannot be empty.' });
  });
  test('Trojan-source style overrides are dropped, the letters stay in stored order', () => {
    expect(ok(send('see \u202Egnp.exe\u202C now'))).toMatchObject({ text: 'see gnp.exe now' });
    expect(ok(send('\u2067\u05D0\u2069 says hi'))).toMatchObject({ text: '\u05D0 says hi' });
  });
  test('LRM, RLM and ALM are kept inside text: they only place neighbouring punctuation', () => {
    for (const m of ['\u200E', '\u200F', '\u061C']) {
      expect(ok(send(`${HEBREW}${m}!`))).toMatchObject({ text: `${HEBREW}${m}!` });
      expect(err(send(m))).toEqual({ code: 'INVALID_MESSAGE', message: 'Message must contain visible text.' });
    }
  });
  test('tag characters are dropped unless they spell a subdivision flag', () => {
    expect(ok(send(`ok${TAGS}\u{E007F}`))).toMatchObject({ text: 'ok' });
    expect(ok(send(`go ${SCOTLAND}!`))).toMatchObject({ text: `go ${SCOTLAND}!` });
    expect(err(send(TAGS))).toMatchObject({ code: 'INVALID_MESSAGE' });
  });
  test.each([...LEGITIMATE, `${FAMILY} family`, `e\u0301\u0300 marks stay as sent`, 'a\u200Bb', `${ARABIC} ${HEBREW} and English`, 'a\u2800b', '\uE000'])(
    '%s is kept as sent',
    (text) => {
      expect(ok(send(text))).toMatchObject({ text });
    },
  );
});

describe('the predicates on their own', () => {
  test('hasVisibleCharacter', () => {
    expect(hasVisibleCharacter('')).toBe(false);
    expect(hasVisibleCharacter('\u3164\u200D\u2800\uFE0F\u0301 \n')).toBe(false);
    expect(hasVisibleCharacter('\u3164x')).toBe(true);
    expect(hasVisibleCharacter('\u{1FAE9}')).toBe(true); // assigned after some runtimes' Unicode: a font may draw it
  });
  test('stripHiddenFormatting keeps ordinary text untouched', () => {
    const plain = `${FAMILY} ${SCOTLAND} ${PERSIAN} ${HEBREW}\u200F!`;
    expect(stripHiddenFormatting(plain)).toBe(plain);
  });
  test('displayNameProblem accepts a prepared legitimate name', () => {
    for (const n of LEGITIMATE) expect(displayNameProblem(n.normalize('NFKC'))).toBeUndefined();
  });
});
