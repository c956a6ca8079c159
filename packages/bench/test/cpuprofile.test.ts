import { formatProfileSummary, summariseProfile, type CpuProfile } from '../src/cpuprofile';

// (root) -> main -> [decode, store -> decode], plus (idle); decode appears twice on one stack path each.
const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 6] },
    { id: 2, callFrame: frame('main', 'file:///x/packages/app/dist/main.js', 9), children: [3, 4] },
    { id: 3, callFrame: frame('decode', 'file:///x/packages/chat-core/dist/protocol/decode.js', 99) },
    { id: 4, callFrame: frame('store', 'file:///x/node_modules/.pnpm/better-sqlite3@12/node_modules/better-sqlite3/lib/x.js', 0), children: [5] },
    { id: 5, callFrame: frame('decode', 'file:///x/packages/chat-core/dist/protocol/decode.js', 99) },
    { id: 6, callFrame: frame('(idle)') },
  ],
  samples: [3, 3, 5, 4, 2, 6, 6],
  timeDeltas: [1000, 1000, 2000, 3000, 500, 4000, 4000],
};

describe('cpuprofile summary', () => {
  const s = summariseProfile(profile);
  const fn = (label: string) => s.functions.find((f) => f.label === label);

  test('splits busy from idle time', () => {
    expect(s.busyMs).toBe(7.5);
    expect(s.idleMs).toBe(8);
  });

  test('self and inclusive time per function, labelled by short path and 1-based line', () => {
    expect(fn('decode chat-core/dist/protocol/decode.js:100')).toEqual({ label: 'decode chat-core/dist/protocol/decode.js:100', selfMs: 4, inclusiveMs: 4 });
    expect(fn('store better-sqlite3/lib/x.js:1')).toMatchObject({ selfMs: 3, inclusiveMs: 5 });
    expect(fn('main app/dist/main.js:10')).toMatchObject({ selfMs: 0.5, inclusiveMs: 7.5 });
    expect(fn('(root)')).toMatchObject({ selfMs: 0, inclusiveMs: 7.5 });
    expect(fn('(idle)')).toBeUndefined();
    expect(s.functions[0]!.label).toMatch(/^decode /);
  });

  test('formats both tables with shares of busy time', () => {
    const text = formatProfileSummary(s, 2);
    expect(text).toContain('8 ms busy, 8 ms idle');
    expect(text).toContain('| `decode chat-core/dist/protocol/decode.js:100` | 4.0 | 53.3 |');
    expect(text).toContain('| `main app/dist/main.js:10` | 7.5 | 100.0 |');
    expect(text.split('\n').filter((l) => l.startsWith('| `')).length).toBe(4);
  });
});
