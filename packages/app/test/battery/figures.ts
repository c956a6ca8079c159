/** What one probe contributes to its line of the summary. */
export interface ProbeFigures {
  /** Frames, connection attempts and requests the probe threw at the server. */
  readonly inputs: number;
  /** 1 if the server process was gone (or /healthz silent) after the probe. */
  readonly crashes: number;
  /** Acknowledged messages (echoed to their sender) missing from the store afterwards. */
  readonly lost: number;
  /** The honest client's ping round trips, ms. */
  readonly pingLatenciesMs: readonly number[];
}

interface Line {
  probes: number;
  inputs: number;
  crashes: number;
  lost: number;
  latencies: number[];
}

/** One summary line per transport/store, as issue #10 asks: inputs tried, crashes, lost, honest-client p99. */
export function createFigures(label: string) {
  const line: Line = { probes: 0, inputs: 0, crashes: 0, lost: 0, latencies: [] };
  return {
    record(f: ProbeFigures): void {
      line.probes++;
      line.inputs += f.inputs;
      line.crashes += f.crashes;
      line.lost += f.lost;
      line.latencies.push(...f.pingLatenciesMs);
    },
    /** Printed, never asserted: a timed assertion would flake on a shared CI machine. */
    print(): void {
      const sorted = [...line.latencies].sort((a, b) => a - b);
      const p99 = sorted.length === 0 ? 'n/a' : `${(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? 0).toFixed(1)} ms`;
      // eslint-disable-next-line no-console -- the battery's figures are its output (issue #10)
      console.log(
        `abuse battery [${label}]: ${line.probes} probes, inputs tried ${line.inputs}, crashes ${line.crashes}, lost ${line.lost}, honest-client ping p99 ${p99} (${sorted.length} pings)`,
      );
    },
  };
}

export type Figures = ReturnType<typeof createFigures>;
