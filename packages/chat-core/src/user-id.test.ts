import { sha256Hex, userIdOfSession } from './user-id';

describe('sha256Hex', () => {
  test.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    // Two blocks: the padding spills into a second one.
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
    ['a'.repeat(1000), '41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3'],
  ])('matches FIPS 180-4 / known digests for %j', (input, digest) => {
    expect(sha256Hex(input)).toBe(digest);
  });

  test('hashes the UTF-8 bytes (multi-byte and astral characters)', () => {
    // The emoji's digest is node:crypto's for its 4 UTF-8 bytes (f0 9f 98 80).
    expect(sha256Hex('é')).toBe(sha256Hex('\u00e9'));
    expect(sha256Hex('é')).not.toBe(sha256Hex('e\u0301'));
    expect(sha256Hex('\u{1F600}')).toBe('f0443a342c5ef54783a111b51ba56c938e474c32324d90c3a60c9c8e3a37e2d9');
  });
});

describe('userIdOfSession', () => {
  test('is stable, prefixed and 128 bits, and differs per session', () => {
    const a = userIdOfSession('4f1c0b6e-2a2d-4c7e-9a51-0a4a5f0e8c11');
    expect(a).toBe(userIdOfSession('4f1c0b6e-2a2d-4c7e-9a51-0a4a5f0e8c11'));
    expect(a).toMatch(/^usr_[0-9a-f]{32}$/);
    expect(userIdOfSession('another session')).not.toBe(a);
  });

  test('does not contain the session id or its plain digest', () => {
    const sessionId = 'secret-session-abc';
    const id = userIdOfSession(sessionId);
    expect(id).not.toContain(sessionId);
    expect(sha256Hex(sessionId)).not.toContain(id.slice(4));
  });
});
