import type { Connection } from '@rgchat/chat-core';

/** An object-literal socket for core tests: records what core sends and does. */
export interface FakeConnection extends Connection {
  readonly sent: string[];
  /** Parsed frames sent so far. */
  frames(): Array<Record<string, any>>;
  /** Parsed frames of one type. */
  framesOf(type: string): Array<Record<string, any>>;
  closedWith: { code: number; reason: string } | undefined;
  pings: number;
  terminated: boolean;
  /** Whether reading is paused now (`pauseReading` without a later `resumeReading`). */
  paused: boolean;
  /** Calls of `pauseReading` / `resumeReading` so far (core should call each only on a change). */
  pauses: number;
  resumes: number;
}

export interface FakeConnectionOptions {
  readonly remoteAddress?: string;
  readonly origin?: string;
  /** Default true; false leaves out `pauseReading`/`resumeReading`, as a transport that cannot pause (uWS). */
  readonly pausable?: boolean;
}

export function createFakeConnection(opts: FakeConnectionOptions = {}): FakeConnection {
  const c: FakeConnection = {
    sent: [],
    closedWith: undefined,
    pings: 0,
    terminated: false,
    paused: false,
    pauses: 0,
    resumes: 0,
    remoteAddress: opts.remoteAddress ?? '127.0.0.1',
    origin: opts.origin,
    send(frame) {
      if (!c.closedWith && !c.terminated) c.sent.push(frame);
    },
    close(code, reason) {
      c.closedWith ??= { code, reason };
    },
    ping() {
      c.pings++;
    },
    terminate() {
      c.terminated = true;
    },
    frames: () => c.sent.map((f) => JSON.parse(f) as Record<string, any>),
    framesOf: (type) => c.frames().filter((f) => f.type === type),
  };
  if (opts.pausable === false) return c;
  c.pauseReading = () => {
    c.pauses++;
    c.paused = true;
  };
  c.resumeReading = () => {
    c.resumes++;
    c.paused = false;
  };
  return c;
}
