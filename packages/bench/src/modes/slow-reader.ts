import type { BenchClient } from '../client';
import { summarizeMicros } from '../histogram';
import { createRecorder, openWindow, runPhase, serverWithYardstick, summarizeLoad, wireRooms, type PhaseResult, type RunContext } from '../phase';
import { round } from '../proc-stats';
import type { Recorder } from '../recorder';
import { baseReport, commonWarnings, type BenchReport } from '../report';
import { closeAll, type RoomPlan } from '../setup';
import { kernelQueuedBytes } from '../tcp-queues';
import { connectFleet, offeredOf } from './common';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Groups {
  peers: Recorder;
  rest: Recorder;
  slow: Recorder;
}

async function phase(ctx: RunContext, rooms: RoomPlan[], slow: BenchClient, drainSlow: boolean): Promise<{ groups: Groups; result: PhaseResult }> {
  const o = ctx.options;
  const window = openWindow(o.warmupS, o.durationS);
  const groups: Groups = { peers: createRecorder('peers', window), rest: createRecorder('rest', window), slow: createRecorder('slow', window) };
  const room0 = rooms[0]!;
  const wired = wireRooms(rooms, (room, i) => (room !== room0 ? groups.rest : room0.members[i] === slow ? groups.slow : groups.peers));
  const drain = drainSlow ? [groups.peers, groups.rest, groups.slow] : [groups.peers, groups.rest];
  const result = await runPhase(ctx, window, { ...o, senders: wired.senders, ratePerSec: o.ratePerSec, drainRecorders: drain });
  return { groups, result };
}

const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 3) : null);

/**
 * Two fan-out phases over the same connections: first everyone reads, then
 * one non-sending member of room 0 stops reading its socket. Compares the
 * other receivers' latency and finds out, after letting the slow one read
 * again, whether the server closed it.
 */
export async function runSlowReader(ctx: RunContext, startedAt: Date): Promise<BenchReport> {
  const o = ctx.options;
  const { conn, rooms } = await connectFleet(ctx, o.connections, o.senders);
  try {
    const room0 = rooms[0]!;
    const slow = room0.members[room0.members.length - 1]!;
    const peer = room0.members[0]!;
    const offeredOthers = offeredOf(rooms, o.ratePerSec, 1);

    ctx.log(`phase 1/2: everyone reads; warm-up ${o.warmupS} s, window ${o.durationS} s`);
    const a = await phase(ctx, rooms, slow, true);

    ctx.log(`phase 2/2: connection ${slow.index} in ${room0.id} stops reading`);
    const peerBytes0 = peer.bytesReceived;
    const peerMsgs0 = peer.stampedMessages;
    const slowMsgs0 = slow.stampedMessages;
    slow.pause();
    const pausedAtMs = performance.now();
    const b = await phase(ctx, rooms, slow, false);
    const frameBytes = peer.stampedMessages > peerMsgs0 ? (peer.bytesReceived - peerBytes0) / (peer.stampedMessages - peerMsgs0) : 0;
    // What the slow one was owed during phase 2: as many messages as a peer got.
    const owedMessages = peer.stampedMessages - peerMsgs0;
    const backlogBytesEstimate = Math.round(Math.max(0, owedMessages - (slow.stampedMessages - slowMsgs0)) * frameBytes);
    const url = new URL(o.url);
    const kernelBytes = slow.closed ? undefined : kernelQueuedBytes(slow.localPort, Number(url.port || 80));

    // Let it read again: what it gets before a close (or the end of its backlog) tells what the server did.
    slow.resume();
    let lastSeen = -1;
    const resumeDeadline = performance.now() + Math.max(5000, o.drainS * 1000);
    while (!slow.closed && performance.now() < resumeDeadline) {
      if (slow.stampedMessages - slowMsgs0 >= owedMessages) break;
      if (slow.stampedMessages === lastSeen) {
        await sleep(500);
        if (slow.stampedMessages === lastSeen) break;
      }
      lastSeen = slow.stampedMessages;
      await sleep(50);
    }
    const closedByServer = slow.closed;
    const closedAfterPauseS = closedByServer ? round(Math.max(0, slow.lastStampUs / 1000 - pausedAtMs) / 1000, 2) : null;

    const othersA = summarizeLoad(a.result, [a.groups.peers, a.groups.rest], offeredOthers);
    const othersB = summarizeLoad(b.result, [b.groups.peers, b.groups.rest], offeredOthers);
    const peersA = summarizeMicros(a.groups.peers.latencyUs);
    const peersB = summarizeMicros(b.groups.peers.latencyUs);
    const serverA = serverWithYardstick(a.result.server, a.groups.peers.received + a.groups.rest.received + a.groups.slow.received);
    const serverB = serverWithYardstick(b.result.server, b.groups.peers.received + b.groups.rest.received);
    const report: BenchReport = {
      ...baseReport(o, ctx.tally, startedAt),
      connect: conn.stats,
      load: othersB,
      toolUsage: a.result.tool.cpuCores >= b.result.tool.cpuCores ? a.result.tool : b.result.tool,
      slowReader: {
        slowConnection: slow.index,
        roomId: room0.id,
        without: { others: othersA, peers: peersA, ...(serverA ? { server: serverA } : {}) },
        with: { others: othersB, peers: peersB, ...(serverB ? { server: serverB } : {}) },
        othersP99Ratio: ratio(othersB.latencyMs.p99, othersA.latencyMs.p99),
        peersP99Ratio: ratio(peersB.p99, peersA.p99),
        slow: {
          closedByServer,
          closeCode: slow.closeCode ?? null,
          closedAfterPauseS,
          windowMessagesReceived: b.groups.slow.received,
          windowMessagesExpected: b.groups.slow.expected,
          backlogBytesEstimate,
          kernelQueuedBytes: kernelBytes ?? null,
          bytesPerSecToSlow: round((room0.senders.length * o.ratePerSec * frameBytes), 0),
        },
      },
    };
    report.warnings.push(...commonWarnings(report));
    return report;
  } finally {
    await closeAll(conn.clients);
  }
}
