import { connectOptions } from './nats-connect-options';
import { natsServers, natsSettingProblem } from './nats-settings';

describe('NATS settings', () => {
  test.each(['nats://127.0.0.1:4222', 'nats://nats.internal', 'tls://user:pw@nats.example.org:4443', 'nats://a:4222, nats://b:4222'])('url %s is accepted', (url) => {
    expect(natsSettingProblem('url', url)).toBeUndefined();
  });

  test.each([
    ['', /must name a NATS server/],
    ['127.0.0.1:4222', /nats:\/\//],
    ['http://127.0.0.1:4222', /not http:/],
    ['nats://127.0.0.1:4222/x', /no path/],
    ['nats://h:1,not a url', /not a URL/],
  ])('url %j is refused', (url, why) => {
    expect(natsSettingProblem('url', url)).toMatch(why);
  });

  test('a refused url never echoes its password', () => {
    expect(natsSettingProblem('url', 'http://u:hunter2@h')).not.toMatch(/hunter2/);
    expect(natsSettingProblem('url', 'nats://u:hunter2@h:1,junk')).not.toMatch(/hunter2/);
  });

  test.each(['rgchat', 'prod.rgchat.events', 'a-b_c'])('subject %s is accepted', (s) => {
    expect(natsSettingProblem('subject', s)).toBeUndefined();
  });

  test.each([
    ['', /1-200/],
    ['a b', /spaces/],
    ['a..b', /empty token/],
    ['.a', /empty token/],
    ['rgchat.*', /wildcards/],
    ['rgchat.>', /wildcards/],
    ['$SYS.x', /reserved/],
  ])('subject %j is refused', (s, why) => {
    expect(natsSettingProblem('subject', s)).toMatch(why);
  });

  test('servers split on commas, blanks ignored', () => {
    expect(natsServers(' nats://a:1 ,, nats://b:2 ')).toEqual(['nats://a:1', 'nats://b:2']);
  });
});

describe('NATS connect options', () => {
  test('user and password move from the URL into options and out of every server', () => {
    const o = connectOptions('nats://al%40ice:p%3Ass@a:1,nats://b:2', 'n', 1000);
    expect(o).toMatchObject({ servers: ['nats://a:1', 'nats://b:2'], user: 'al@ice', pass: 'p:ss', noEcho: true, maxReconnectAttempts: -1, ignoreAuthErrorAbort: true, timeout: 1000 });
    expect(o.token).toBeUndefined();
    expect(o.tls).toBeUndefined();
  });

  test('a user without a password is a token; tls:// asks for TLS', () => {
    const o = connectOptions('tls://tok@a:1', 'n', 1000);
    expect(o).toMatchObject({ servers: ['tls://a:1'], token: 'tok', tls: {} });
    expect(o.user).toBeUndefined();
  });
});
