import type { EdgeRequest } from '@rgchat/chat-core';
import { contentSecurityPolicy, webRoute, type WebBundle } from '../src/web-route';

const bundle: WebBundle = { version: 'abc123abc123', index: '<p>page</p>', assets: new Map([['app.js', { body: 'x', type: 'text/javascript; charset=utf-8' }]]) };

const get = (hosts: string[]): EdgeRequest => ({ method: 'GET', url: '/', socketAddress: '127.0.0.1', header: (name) => (name === 'host' ? hosts : []) });

const connectSrc = (csp: string): string => csp.split('; ').find((d) => d.startsWith('connect-src')) ?? '';

describe('the web page’s CSP', () => {
  test('connect-src names the page’s own host for ws and wss, besides self', () => {
    expect(connectSrc(contentSecurityPolicy('chat.example.org'))).toBe("connect-src 'self' ws://chat.example.org wss://chat.example.org");
    expect(connectSrc(contentSecurityPolicy('10.0.0.7:8080'))).toBe("connect-src 'self' ws://10.0.0.7:8080 wss://10.0.0.7:8080");
    expect(connectSrc(contentSecurityPolicy('[::1]:8080'))).toBe("connect-src 'self' ws://[::1]:8080 wss://[::1]:8080");
  });

  test.each([
    ["evil.example; script-src 'unsafe-inline'"],
    ['a b'],
    ['host:8080/path'],
    ['*'],
    ['x\r\nset-cookie: a=b'],
    [''],
  ])('a Host unfit for a policy (%j) is left out, never echoed', (host) => {
    const csp = contentSecurityPolicy(host);
    expect(connectSrc(csp)).toBe("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp.split('; ')).toHaveLength(8);
  });

  test('the route takes the one Host header; none or several leave only self', async () => {
    const route = webRoute(bundle);
    const cspOf = async (hosts: string[]) => (await route.answer(get(hosts), '/', '')).headers?.['content-security-policy'] ?? '';
    expect(connectSrc(await cspOf(['127.0.0.1:9000']))).toBe("connect-src 'self' ws://127.0.0.1:9000 wss://127.0.0.1:9000");
    expect(connectSrc(await cspOf([]))).toBe("connect-src 'self'");
    expect(connectSrc(await cspOf(['a.example', 'b.example']))).toBe("connect-src 'self'");
  });
});
