#!/usr/bin/env node
/**
 * rgchat bus bench (issue #15, "past one Postgres"): how many bus events per
 * second a bus carries between two instances on this machine, and at what
 * latency and machine CPU. One process opens two buses of the kind chosen
 * (instance A publishes `message` events as a server does for every stored
 * message, instance B hears them), offers rising rates, and reports for each
 * the rate heard, the latency from publish to B's handler (p50/p99/max), and
 * the CPU the whole machine spent per 1,000 events (Postgres or NATS server,
 * the drivers, this process). A rate is carried when B hears at least 99 % of
 * it with a p99 under 100 ms.
 *
 *   node packages/bench/dist/bus-bench.js --bus postgres --rates 1000,5000,10000 --seconds 5
 *   node packages/bench/dist/bus-bench.js --bus nats --rates 1000,5000,10000,50000
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { messageRecord, type Bus, type BusEvent } from '@rgchat/chat-core';
import { busChannelFor, openPostgresBus } from '@rgchat/store-postgres';
import { openNatsBus } from '@rgchat/bus-nats';

interface Options {
  readonly bus: 'postgres' | 'nats';
  readonly rates: number[];
  readonly seconds: number;
  readonly databaseUrl: string;
  readonly natsUrl: string;
  readonly textChars: number;
}

function parse(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const bus = get('bus') ?? 'postgres';
  if (bus !== 'postgres' && bus !== 'nats') throw new Error('--bus must be postgres or nats');
  const rates = (get('rates') ?? '1000,2000,5000,10000,20000').split(',').map(Number);
  if (rates.some((r) => !Number.isInteger(r) || r < 100)) throw new Error('--rates: whole numbers of events/s, at least 100');
  return {
    bus,
    rates,
    seconds: Number(get('seconds') ?? '5'),
    databaseUrl: get('database-url') ?? 'postgres://postgres@127.0.0.1:5432/test',
    natsUrl: get('nats-url') ?? 'nats://127.0.0.1:4222',
    textChars: Number(get('text-chars') ?? '64'),
  };
}

/** Busy and total jiffies of the whole machine (/proc/stat), for CPU spent by everything during a window. */
function machineJiffies(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
const HZ = 100;

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);

async function openPair(o: Options): Promise<{ a: Bus & { close(): Promise<void> }; b: Bus & { close(): Promise<void> } }> {
  const id = () => `bench_${randomBytes(4).toString('hex')}`;
  if (o.bus === 'nats') {
    const subject = `rgchat_busbench_${randomBytes(4).toString('hex')}`;
    return { a: await openNatsBus({ instanceId: id(), url: o.natsUrl, subject }), b: await openNatsBus({ instanceId: id(), url: o.natsUrl, subject }) };
  }
  const schema = `busbench_${randomBytes(4).toString('hex')}`;
  const channel = busChannelFor(schema);
  return {
    a: await openPostgresBus({ url: o.databaseUrl, schema, instanceId: id(), channel }),
    b: await openPostgresBus({ url: o.databaseUrl, schema, instanceId: id(), channel }),
  };
}

async function runRate(o: Options, rate: number) {
  const { a, b } = await openPair(o);
  const latencies: number[] = [];
  let heard = 0;
  b.subscribe((e: BusEvent) => {
    if (e.kind !== 'message') return;
    heard++;
    latencies.push(performance.now() - Number(e.message.text.slice(0, 20)));
  });
  const room = { id: 'bench-room', name: 'bench-room', createdAt: 1, messageCount: 0, lastMessageTs: null };
  const pad = 'x'.repeat(Math.max(0, o.textChars - 20));
  let seq = 0;
  const tickMs = 10;
  const cpu0 = machineJiffies();
  const start = performance.now();
  const end = start + o.seconds * 1000;
  for (let now = start; now < end; now = performance.now()) {
    // Every tick publishes what the rate owes up to now, so a late tick catches up and an early one waits.
    const due = Math.floor((rate * (now - start)) / 1000);
    while (seq < due) {
      seq++;
      const text = performance.now().toFixed(3).padStart(20, '0') + pad;
      const message = messageRecord(room.id, seq, `msg_${seq}`, Date.now(), 'conn_bench', 'bench', 1, 'message', text);
      a.publish({ kind: 'message', message, room: { ...room, messageCount: seq, lastMessageTs: message.ts } });
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  // Let what is in flight arrive (up to 3 s) before counting.
  const drainUntil = performance.now() + 3000;
  while (heard < seq && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  const cpu1 = machineJiffies();
  await a.close();
  await b.close();
  latencies.sort((x, y) => x - y);
  const cpuSeconds = (cpu1.busy - cpu0.busy) / HZ;
  void cpu1.total;
  return {
    offered: rate,
    published: seq,
    heardPerSec: Math.round(heard / o.seconds),
    machineCores: Number((cpuSeconds / ((performance.now() - start) / 1000)).toFixed(2)),
    ratio: Number((heard / seq).toFixed(4)),
    p50Ms: Number(percentile(latencies, 50).toFixed(2)),
    p99Ms: Number(percentile(latencies, 99).toFixed(2)),
    maxMs: Number((latencies.at(-1) ?? NaN).toFixed(2)),
    machineCpuMsPer1000: Number(((cpuSeconds * 1000 * 1000) / Math.max(1, heard)).toFixed(1)),
  };
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const rows = [];
  process.stdout.write(`rgchat bus bench: ${o.bus}, ${o.seconds} s per rate, message events of ${o.textChars} text chars\n`);
  process.stdout.write('offered/s  heard/s  ratio   p50 ms  p99 ms  max ms  machine cores  machine CPU ms/1000 events  carried\n');
  for (const rate of o.rates) {
    const r = await runRate(o, rate);
    rows.push(r);
    const carried = r.ratio >= 0.99 && r.p99Ms < 100;
    process.stdout.write(
      `${String(r.offered).padEnd(10)} ${String(r.heardPerSec).padEnd(8)} ${String(r.ratio).padEnd(7)} ${String(r.p50Ms).padEnd(7)} ${String(r.p99Ms).padEnd(7)} ${String(r.maxMs).padEnd(7)} ${String(r.machineCores).padEnd(14)} ${String(r.machineCpuMsPer1000).padEnd(27)} ${carried ? 'yes' : 'NO'}\n`,
    );
  }
  process.stdout.write(`BUS_BENCH_JSON ${JSON.stringify({ options: o, rows })}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bus-bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
