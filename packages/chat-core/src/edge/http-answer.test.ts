import { utf8Length } from './http-answer';

describe('utf8Length', () => {
  // Expected values are the UTF-8 encodings' lengths, counted by hand per character class.
  test.each([
    ['', 0],
    ['abc', 3],
    ['é', 2], // U+00E9
    ['\u07ff', 2],
    ['\u0800', 3],
    ['€', 3], // U+20AC
    ['\uffff', 3],
    ['😀', 4], // U+1F600, a surrogate pair
    ['a😀b€é', 1 + 4 + 1 + 3 + 2],
    ['\ud83d', 3], // lone high surrogate: U+FFFD when encoded
    ['\ude00x', 3 + 1], // lone low surrogate
    ['\ud83d\ud83d\ude00', 3 + 4], // a lone high one before a pair
  ])('%j is %i bytes', (text, bytes) => {
    expect(utf8Length(text)).toBe(bytes);
  });
});
