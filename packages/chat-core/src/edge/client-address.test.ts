import { clientAddress } from './client-address';

describe('clientAddress', () => {
  test('the first X-Forwarded-For hop when the proxy is trusted', () => {
    expect(clientAddress('203.0.113.7, 10.0.0.1', '10.0.0.1', true)).toBe('203.0.113.7');
    expect(clientAddress(' 2001:db8::1 ', '10.0.0.1', true)).toBe('2001:db8::1');
  });

  test('the socket address when the proxy is not trusted, or the header is missing or empty', () => {
    expect(clientAddress('203.0.113.7', '198.51.100.2', false)).toBe('198.51.100.2');
    expect(clientAddress(undefined, '198.51.100.2', true)).toBe('198.51.100.2');
    expect(clientAddress(' , 10.0.0.1', '198.51.100.2', true)).toBe('198.51.100.2');
  });
});
