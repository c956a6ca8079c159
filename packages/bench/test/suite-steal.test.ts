import { UsageError } from '../src/args';
import { parseSuiteArgs } from '../src/suite/suite-args';
import { runUntilQuiet } from '../src/suite/steal-redo';

/** A run function that yields the given steal readings in turn. */
const runs = (steals: Array<number | null>) => {
  let i = 0;
  return { run: async () => ({ n: i, steal: steals[i++]! }), count: () => i };
};

describe('runUntilQuiet', () => {
  it('keeps the first run at or under the limit, discarding noisier ones before it', async () => {
    const r = runs([0.3, 0.05, 0.02, 0.01]);
    const seen: number[] = [];
    const out = await runUntilQuiet(r.run, (x) => x.steal, 0.02, 4, (_x, steal) => seen.push(steal));
    expect(out.kept).toEqual({ n: 2, steal: 0.02 });
    expect(out.discarded.map((x) => x.n)).toEqual([0, 1]);
    expect(out.noisy).toBe(false);
    expect(seen).toEqual([0.3, 0.05]);
    expect(r.count()).toBe(3);
  });

  it('keeps a noisy run once the redos run out, and says so', async () => {
    const r = runs([0.3, 0.4, 0.5, 0.01]);
    const out = await runUntilQuiet(r.run, (x) => x.steal, 0.02, 2);
    expect(out).toMatchObject({ kept: { n: 2 }, noisy: true });
    expect(out.discarded).toHaveLength(2);
    expect(r.count()).toBe(3);
  });

  it('runs once without a limit, or when steal cannot be read', async () => {
    expect((await runUntilQuiet(runs([0.9]).run, (x) => x.steal, null, 4)).kept.n).toBe(0);
    expect((await runUntilQuiet(runs([null]).run, (x) => x.steal, 0.02, 4)).kept.n).toBe(0);
  });
});

describe('parseSuiteArgs --max-steal', () => {
  it('takes a percentage and a redo count, off by default', () => {
    expect(parseSuiteArgs([])).toMatchObject({ maxSteal: null, maxRedos: 4 });
    expect(parseSuiteArgs(['--max-steal', '2', '--max-redos', '6'])).toMatchObject({ maxSteal: 0.02, maxRedos: 6 });
  });
  it.each([['--max-steal', '-1'], ['--max-steal', '150'], ['--max-steal', 'lots'], ['--max-redos', '1.5']])('rejects %s %s', (flag, value) => {
    expect(() => parseSuiteArgs([flag, value])).toThrow(UsageError);
  });
});
