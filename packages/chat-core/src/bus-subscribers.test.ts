import { createBusSubscribers } from './bus-subscribers';
import type { BusEvent } from './ports/bus';
import type { LogLevel } from './ports/log';

describe('bus subscribers (shared by the Postgres and NATS buses)', () => {
  test('publish: local subscribers first, a resync stays local, the rest encoded and sent; a failing encode is logged and sends nothing', () => {
    const logs: string[] = [];
    const local = createBusSubscribers((level: LogLevel, msg: string) => void logs.push(`${level} ${msg}`));
    const order: string[] = [];
    local.subscribe((e) => order.push(`heard ${e.kind}`));
    const send = (payload: string) => order.push(`sent ${payload}`);
    local.publish({ kind: 'room_removed', roomId: 'r' }, (e) => `enc ${e.kind}`, send);
    local.publish({ kind: 'resync' }, () => 'never', send);
    local.publish({ kind: 'kick', clientId: 'c' }, () => {
      throw new Error('too big');
    }, send);
    expect(order).toEqual(['heard room_removed', 'sent enc room_removed', 'heard resync', 'heard kick']);
    expect(logs).toEqual(['error bus could not encode an event']);
  });

  test('a throwing subscriber is logged and the others still hear; unsubscribe and clear stop delivery', () => {
    const logs: string[] = [];
    const local = createBusSubscribers((_l: LogLevel, msg: string) => void logs.push(msg));
    const heard: BusEvent[] = [];
    local.subscribe(() => {
      throw new Error('boom');
    });
    const off = local.subscribe((e) => heard.push(e));
    local.emit({ kind: 'resync' });
    off();
    local.emit({ kind: 'resync' });
    expect(heard).toEqual([{ kind: 'resync' }]);
    expect(logs).toEqual(['bus subscriber threw', 'bus subscriber threw']);
    local.clear();
    local.emit({ kind: 'resync' });
    expect(logs).toHaveLength(2);
  });
});
