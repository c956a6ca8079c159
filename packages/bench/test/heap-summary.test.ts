import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatHeapSummary, summariseHeap, type HeapSnapshot } from '../src/heap-snapshot';

// A real node process takes two real snapshots: before and after it made 1,000 `HeldThing`s, each with a closure.
const dir = mkdtempSync(join(tmpdir(), 'heap-summary-'));
const before = join(dir, 'before.heapsnapshot');
const after = join(dir, 'after.heapsnapshot');
const script = `
const v8 = require('node:v8');
class HeldThing { constructor(i) { this.i = i; this.onPing = function heldPing() { return i; }; } }
globalThis.kept = [];
v8.writeHeapSnapshot(${JSON.stringify(before)});
for (let i = 0; i < 1000; i++) globalThis.kept.push(new HeldThing(i));
v8.writeHeapSnapshot(${JSON.stringify(after)});
`;
execFileSync(process.execPath, ['-e', script]);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (file: string) => summariseHeap(JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot);

describe('heap snapshot summary', () => {
  const base = read(before);
  const held = read(after);
  const group = (kind: string) => held.groups.find((g) => g.kind === kind);

  test('counts objects by constructor and closures by function name', () => {
    expect(group('object HeldThing')?.count).toBe(1000);
    expect(group('closure heldPing')?.count).toBe(1000);
    expect(group('object HeldThing')?.selfBytes).toBeGreaterThan(1000 * 12);
  });

  test('largest self size first, and the groups add up to the total', () => {
    const sizes = held.groups.map((g) => g.selfBytes);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(held.totalBytes);
  });

  test('with a base and --per: the growth per held thing, in a table', () => {
    const text = formatHeapSummary(held, { top: 200, per: 1000, base });
    expect(text).toMatch(/^heap growth, total: [\d,]+ B per connection/);
    expect(text).toContain('| object HeldThing | 1.00 |');
    expect(text).toContain('| closure heldPing | 1.00 |');
  });

  test('refuses a file that is not a heap snapshot', () => {
    expect(() => summariseHeap({ snapshot: { meta: { node_fields: ['id'], node_types: [[]] } }, nodes: [], strings: [] })).toThrow(/not a V8 heap snapshot/);
  });
});
