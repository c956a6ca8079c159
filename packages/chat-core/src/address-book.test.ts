import { createAddressBook } from './address-book';

const limits = { maxConnections: 100, maxConnectionsPerIp: 2, rateLimitPerIpPerSec: 10, rateLimitPerIpBurst: 10 };

describe('createAddressBook', () => {
  test('counts connections per address and overall; admits under both caps', () => {
    const book = createAddressBook({ ...limits, maxConnections: 3 });
    const a = book.attach('198.51.100.1', 0);
    book.attach('198.51.100.1', 0);
    expect(book.admit('198.51.100.1')).toBe('address-full');
    book.attach('198.51.100.2', 0);
    expect(book.connections).toBe(3);
    expect(book.admit('198.51.100.9')).toBe('server-full');
    book.detach(a, 0);
    expect(book.admit('198.51.100.1')).toBe('ok');
  });

  test('an IPv6 /64 is one address: rotating within it buys no new connections or tokens', () => {
    const book = createAddressBook(limits);
    const a = book.attach('2001:db8:0:1::1', 0);
    const b = book.attach('2001:db8:0:1:ffff::2', 0);
    expect(a).toBe(b);
    expect(book.admit('2001:db8:0:1:1234:5678:9abc:def0')).toBe('address-full');
    expect(book.admit('2001:db8:0:2::1')).toBe('ok');
    // An IPv4-mapped spelling is the IPv4 address.
    const c = book.attach('198.51.100.7', 0);
    expect(book.attach('::ffff:198.51.100.7', 0)).toBe(c);
  });

  test('connections of one address share one bucket', () => {
    const book = createAddressBook(limits);
    const a = book.attach('198.51.100.1', 0);
    const b = book.attach('198.51.100.1', 0);
    expect(a.bucket).toBe(b.bucket);
    expect(book.attach('198.51.100.2', 0).bucket).not.toBe(a.bucket);
  });

  test('an address goes when its last connection closes with a full bucket; one that owes stays until the sweep finds it refilled', () => {
    const book = createAddressBook(limits);
    book.detach(book.attach('198.51.100.1', 0), 0);
    expect(book.size).toBe(0);
    const owing = book.attach('198.51.100.2', 0);
    owing.bucket.charge(15, 0);
    book.detach(owing, 0);
    expect(book.size).toBe(1);
    // A reconnect inside that time finds the debt.
    expect(book.attach('198.51.100.2', 100).bucket.take(100)).toBe(false);
    book.detach(owing, 100);
    book.sweep(1000);
    expect(book.size).toBe(1);
    book.sweep(2500);
    expect(book.size).toBe(0);
  });

  test('idle addresses are bounded: the oldest idle one is pushed out, connected ones never', () => {
    const book = createAddressBook(limits, 3);
    const connected = book.attach('192.0.2.1', 0);
    for (let i = 0; i < 50; i++) {
      const e = book.attach(`203.0.113.${i}`, 0);
      e.bucket.charge(5, 0);
      book.detach(e, 0);
    }
    expect(book.size).toBe(4);
    expect(book.entry('192.0.2.1')).toBe(connected);
    expect([47, 48, 49].map((i) => book.entry(`203.0.113.${i}`) !== undefined)).toEqual([true, true, true]);
  });
});
