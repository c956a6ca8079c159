import { addressKey } from './address-key';

describe('addressKey', () => {
  test('IPv4 is its own key, also when IPv4-mapped', () => {
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('::FFFF:192.0.2.7')).toBe('192.0.2.7');
  });

  test('IPv6 addresses of one /64 share a key, whatever their spelling', () => {
    const key = '2001:db8:0:1::/64';
    expect(addressKey('2001:db8:0:1::1')).toBe(key);
    expect(addressKey('2001:0db8:0000:0001:ffff:ffff:ffff:ffff')).toBe(key);
    expect(addressKey('2001:DB8:0:1:a:b:c:d')).toBe(key);
    expect(addressKey('2001:db8::1:0:0:0:1')).toBe(key);
    expect(addressKey('2001:db8:0:1::1%eth0')).toBe(key);
    expect(addressKey('2001:db8:0:2::1')).not.toBe(key);
  });

  test('short forms expand before the prefix is taken', () => {
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1')).toBe('fe80:0:0:0::/64');
    expect(addressKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });

  test('anything unparsable is its own key', () => {
    for (const odd of ['', 'unix-socket', '1::2::3', '2001:db8:0:1:2:3:4:5:6', 'g::1', '::1.2.3.999']) {
      expect(addressKey(odd)).toBe(odd);
    }
  });
});
