import { hostname } from 'node:os';
import { createInstanceId } from './instance-id';

describe('createInstanceId', () => {
  test('names this host and process, and differs on every call', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => createInstanceId()));
    expect(ids.size).toBe(1000);
    const host = hostname().toLowerCase().replace(/[^a-z0-9.-]+/g, '-').slice(0, 32);
    for (const id of ids) expect(id).toMatch(new RegExp(`^${host.replace(/\./g, '\\.')}-${process.pid}-[0-9a-f]{8}$`));
  });

  test('an odd or long hostname becomes one short token', () => {
    expect(createInstanceId('Web Server_01.example.org', 12)).toMatch(/^web-server-01\.example\.org-12-[0-9a-f]{8}$/);
    expect(createInstanceId('x'.repeat(100), 7)).toMatch(/^x{32}-7-[0-9a-f]{8}$/);
    expect(createInstanceId('', 7)).toMatch(/^host-7-[0-9a-f]{8}$/);
  });
});
