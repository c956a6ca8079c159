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
}

export function createFakeConnection(opts: { remoteAddress?: string; origin?: string } = {}): FakeConnection {
  const c: FakeConnection = {
    sent: [],
    closedWith: undefined,
    pings: 0,
    terminated: false,
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
  return c;
}
