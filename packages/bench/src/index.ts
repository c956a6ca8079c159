/** Programmatic entry of the bench package: the load tool, its report format and the uWS baseline. */
export { parseBenchArgs, offeredLoad, HELP, MODES, UsageError, type BenchOptions, type Mode } from './args';
export { runBench, type RunBenchOptions } from './bench';
export { formatHuman, formatJsonLine, parseJsonLine, JSON_PREFIX, type BenchReport } from './report';
export { startBaselineServer, type BaselineOptions, type BaselineServer } from './baseline';
export { createHistogram, summarizeMicros, type Histogram, type LatencySummaryMs } from './histogram';
export { findListenerPid, sampleProcess, type ProcSample } from './proc-stats';
