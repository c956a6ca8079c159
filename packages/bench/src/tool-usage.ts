import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { round, sampleMachineCpu, stealShare } from './proc-stats';

/** At or above this share of one core the load tool, not the server, is the limit. */
export const TOOL_SATURATION_CORES = 0.9;

/**
 * At or above this share of the machine's CPU time stolen by the hypervisor
 * (other guests on the same host), a run's figures are flagged as noisy: on
 * a shared VM that noise moves CPU per delivery and p99 more than most
 * differences being measured.
 */
export const NOISY_STEAL_SHARE = 0.02;

/** The delay histogram samples with a timer of this period; its values include the period, which is subtracted. */
const RESOLUTION_MS = 10;
const delayMs = (ns: number) => round(Math.max(0, ns / 1e6 - RESOLUTION_MS), 3);

export interface ToolUsage {
  cpuS: number;
  /** CPU seconds per wall second of this process (1 = one full core). */
  cpuCores: number;
  saturated: boolean;
  /** How late the tool's event loop ran timers (p99, max): its own queueing, part of every latency it reports. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  rssBytes: number;
  /** Share of all CPUs' time the hypervisor stole while measuring (/proc/stat steal); null off Linux. */
  machineSteal: number | null;
}

export interface ToolMeter {
  stop(): ToolUsage;
}

/** Starts measuring this process's CPU and event-loop delay until `stop()`. */
export function startToolMeter(): ToolMeter {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const machine0 = sampleMachineCpu();
  const delay: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  let result: ToolUsage | undefined;
  return {
    stop() {
      if (result) return result;
      delay.disable();
      const cpu = process.cpuUsage(cpu0);
      const cpuS = (cpu.user + cpu.system) / 1e6;
      const wallS = (performance.now() - t0) / 1000;
      const steal = stealShare(machine0, sampleMachineCpu());
      const cpuCores = wallS > 0 ? cpuS / wallS : 0;
      result = {
        cpuS: round(cpuS, 3),
        cpuCores: round(cpuCores, 3),
        saturated: cpuCores >= TOOL_SATURATION_CORES,
        eventLoopDelayP99Ms: delayMs(delay.percentile(99)),
        eventLoopDelayMaxMs: delayMs(delay.max),
        rssBytes: process.memoryUsage.rss(),
        machineSteal: steal === null ? null : round(steal, 4),
      };
      return result;
    },
  };
}
