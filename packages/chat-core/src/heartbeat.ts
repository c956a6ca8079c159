/**
 * Liveness of one peer, as in ws's heartbeat recipe: each beat, a peer that
 * has not answered the previous ping is dead; otherwise it is pinged again.
 */
export interface Heartbeat {
  /** The peer showed life (pong, or any frame). */
  alive(): void;
  /** Called once per interval. Returns 'ping' to send a ping, 'dead' to drop the peer. */
  beat(): 'ping' | 'dead';
}

export function createHeartbeat(): Heartbeat {
  let answered = true;
  return {
    alive() {
      answered = true;
    },
    beat() {
      if (!answered) return 'dead';
      answered = false;
      return 'ping';
    },
  };
}
