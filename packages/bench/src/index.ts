/** Programmatic entry of the bench package: the load tool, its report format and the uWS baseline. */
export { parseBenchArgs, offeredLoad, MODES, UsageError, type BenchOptions, type Mode } from './args';
export { HELP } from './help';
export { runBench, type RunBenchOptions } from './bench';
export { formatHuman, formatJsonLine, parseJsonLine, JSON_PREFIX, type BenchReport } from './report';
export { startBaselineServer, type BaselineOptions, type BaselineServer } from './baseline';
export { createHistogram, summarizeMicros, type Histogram, type LatencySummaryMs } from './histogram';
export { findListenerPid, sampleProcess, type ProcSample } from './proc-stats';
// The abuse probes, for the bench's abuse mode and the app's issue-#10 battery.
export { createAttackStats, runAttack, type AttackName, type AttackRound, type AttackStats } from './attacks/attack';
export { fragmentFlood } from './attacks/fragment-flood';
export { junkFrames } from './attacks/junk-frames';
export { openRawWebSocket, type RawWebSocket } from './attacks/raw-ws';
export { roomFlood, roomRecreate } from './attacks/room-flood';
export { ungreeted } from './attacks/ungreeted';
export { openGreetedSocket } from './attacks/greeted-socket';
