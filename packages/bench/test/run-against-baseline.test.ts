import { loadUws } from '@rgchat/transport-uws';
import { parseBenchArgs } from '../src/args';
import { startBaselineServer, type BaselineServer } from '../src/baseline';
import { runBench } from '../src/bench';
import { formatHuman, formatJsonLine, parseJsonLine } from '../src/report';

describe('load tool against the native uWS baseline', () => {
  let server: BaselineServer;

  beforeAll(async () => {
    server = await startBaselineServer({ port: 0 });
  });

  afterAll(() => {
    server?.close();
  });

  it('runs on the native addon, never the JS fallback', () => {
    const { binaryPath, uws } = loadUws();
    expect(binaryPath).toMatch(new RegExp(`uws_${process.platform}_${process.arch}_${process.versions.modules}\\.node$`));
    expect(typeof (uws as unknown as Record<string, unknown>)['getParts']).toBe('function');
    expect(server.binaryPath).toBe(binaryPath);
  });

  it('delivers everything in a short fan-out run and prints one parsable JSON line', async () => {
    const options = parseBenchArgs([
      '--url', `ws://127.0.0.1:${server.port}/`, '--connections', '20', '--rooms', '4', '--senders', '1',
      '--rate', '50', '--duration', '1.5', '--warmup', '0.5', '--server-pid', String(process.pid),
    ]);
    const report = await runBench(options);
    expect(report.connect).toMatchObject({ attempted: 20, connected: 20, failed: 0 });
    expect(report.load?.delivered.ratio).toBe(1);
    expect(report.load?.delivered.received).toBeGreaterThan(0);
    expect(report.load).toBeDefined();
    expect(report.load!.delivered.received).toBe(report.load!.sent.messages * 5);
    expect(report.load?.latencyMs.count).toBe(report.load?.delivered.received);
    expect(report.errors.byCode).toEqual({});
    expect(report.server?.pid).toBe(process.pid);

    const output = `${formatHuman(report)}\n${formatJsonLine(report)}\n`;
    expect(output.split('\n').filter((l) => l.startsWith('BENCH_JSON ')).length).toBe(1);
    expect(parseJsonLine(output)).toEqual(JSON.parse(JSON.stringify(report)));
    expect(output).toMatch(/delivered .* ratio 1 /);
  });
});
