import { contains, parseAddress, parseNetwork } from './cidr';

const inNet = (cidr: string, address: string) => contains(parseNetwork(cidr)!, parseAddress(address)!);

describe('cidr', () => {
  test('IPv4 networks and single addresses, canonical text with host bits cleared', () => {
    expect(parseNetwork('203.0.113.7/24')?.cidr).toBe('203.0.113.0/24');
    expect(parseNetwork('203.0.113.7')?.cidr).toBe('203.0.113.7/32');
    expect(parseNetwork('0.0.0.0/0')?.cidr).toBe('0.0.0.0/0');
    expect(inNet('203.0.113.0/24', '203.0.113.255')).toBe(true);
    expect(inNet('203.0.113.0/24', '203.0.114.1')).toBe(false);
    expect(inNet('203.0.113.7', '203.0.113.7')).toBe(true);
    expect(inNet('203.0.113.7', '203.0.113.8')).toBe(false);
  });

  test('a v4 ban also catches the IPv4-mapped spelling a dual-stack socket reports', () => {
    expect(inNet('198.51.100.0/24', '::ffff:198.51.100.20')).toBe(true);
    expect(inNet('::ffff:198.51.100.0/120', '198.51.100.20')).toBe(true);
    expect(parseNetwork('::ffff:198.51.100.0/120')?.cidr).toBe('198.51.100.0/24');
    expect(inNet('0.0.0.0/0', '2001:db8::1')).toBe(false);
  });

  test('IPv6 networks, compressed forms, RFC 5952 output', () => {
    expect(parseNetwork('2001:DB8:0:0:1::7/64')?.cidr).toBe('2001:db8::/64');
    expect(parseNetwork('2001:db8::1')?.cidr).toBe('2001:db8::1/128');
    expect(parseNetwork('::/0')?.cidr).toBe('::/0');
    expect(inNet('2001:db8::/32', '2001:db8:ffff::1')).toBe(true);
    expect(inNet('2001:db8::/32', '2001:db9::1')).toBe(false);
    expect(inNet('::1', '::1')).toBe(true);
  });

  test('anything else is not a network', () => {
    for (const bad of ['', 'localhost', '256.1.1.1', '1.2.3', '1.2.3.4/33', '01.2.3.4', '1.2.3.4/24/1', '2001:db8:::1', '1:2:3:4:5:6:7:8:9', 'fe80::1/129', '1.2.3.4/-1', 'gggg::1']) {
      expect(parseNetwork(bad)).toBeUndefined();
    }
  });
});
