import { offeredLoad, parseBenchArgs, UsageError } from '../src/args';

describe('parseBenchArgs', () => {
  it('defaults to 50k deliveries/s in 20-member rooms', () => {
    const o = parseBenchArgs([]);
    expect(o).toMatchObject({ url: 'ws://127.0.0.1:8080/', mode: 'fanout', connections: 200, rooms: 10, senders: 1, ratePerSec: 250, durationS: 10, warmupS: 3, history: 500 });
    expect(offeredLoad(o)).toEqual({ membersPerRoom: 20, messagesPerSec: 2500, deliveriesPerSec: 50_000 });
  });

  it('reads every option with its unit', () => {
    const o = parseBenchArgs([
      '--url', 'ws://10.0.0.1:9000/chat', '--mode', 'join', '--connections', '40', '--rooms', '4', '--senders', '2',
      '--rate', '12.5', '--duration', '2', '--warmup', '0', '--server-pid', '1234', '--history', '50',
      '--background-rate', '100', '--joiners', '3', '--join-interval-ms', '0', '--text-chars', '380', '--origin', 'https://x.test',
    ]);
    expect(o).toMatchObject({ url: 'ws://10.0.0.1:9000/chat', mode: 'join', connections: 40, rooms: 4, senders: 2, ratePerSec: 12.5, durationS: 2, warmupS: 0, serverPid: 1234, history: 50, backgroundRatePerSec: 100, joiners: 3, joinIntervalMs: 0, textChars: 380, origin: 'https://x.test' });
    expect(parseBenchArgs(['--server-pid', 'auto']).serverPid).toBe('auto');
  });

  it.each([
    [['--mode', 'flood'], /--mode/],
    [['--connections', '0'], /--connections/],
    [['--rate', 'fast'], /--rate/],
    [['--connections', '5', '--rooms', '10'], /at least --rooms/],
    [['--connections', '20', '--rooms', '10', '--senders', '3'], /exceeds the members/],
    [['--mode', 'slow-reader', '--connections', '20', '--rooms', '10', '--senders', '2'], /not a sender/],
    [['--mode', 'idle'], /--server-pid/],
    [['--url', 'http://x'], /ws:\/\//],
    [['--room-prefix', 'Bad Name'], /room-prefix/],
    [['--bogus'], /bogus/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });

  it('presence mode: features default to presence,typing; --features "" means plain v1 clients', () => {
    expect(parseBenchArgs(['--mode', 'presence'])).toMatchObject({ mode: 'presence', features: ['presence', 'typing'], typists: 20, keystrokeMs: 200, busUrl: undefined, busSchema: 'rgchat' });
    expect(parseBenchArgs(['--mode', 'presence', '--features', '']).features).toEqual([]);
    expect(parseBenchArgs(['--features', 'presence']).features).toEqual(['presence']);
    expect(parseBenchArgs([]).features).toEqual([]);
    expect(() => parseBenchArgs(['--mode', 'presence', '--connections', '10', '--rooms', '1', '--typists', '10'])).toThrow(/--typists/);
  });

  it('returns help without checking the rest', () => {
    expect(parseBenchArgs(['--help', '--mode', 'idle']).help).toBe(true);
  });
});

describe('a second instance', () => {
  test('--also-url and --also-server-pid are read and checked', () => {
    const o = parseBenchArgs(['--also-url', 'ws://127.0.0.1:8081/', '--also-server-pid', '4242']);
    expect([o.alsoUrl, o.alsoServerPid]).toEqual(['ws://127.0.0.1:8081/', 4242]);
    expect(parseBenchArgs([]).alsoUrl).toBeUndefined();
    expect(() => parseBenchArgs(['--also-url', 'http://x/'])).toThrow(/--also-url must start with ws:\/\//);
    expect(() => parseBenchArgs(['--also-server-pid', 'x'])).toThrow(/also-server-pid/);
  });
});
