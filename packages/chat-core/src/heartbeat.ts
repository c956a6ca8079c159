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

/** A class, not a closure: one per connection, and a closure would cost a context and two functions each. */
class PeerHeartbeat implements Heartbeat {
  private answered = true;

  alive(): void {
    this.answered = true;
  }

  beat(): 'ping' | 'dead' {
    if (!this.answered) return 'dead';
    this.answered = false;
    return 'ping';
  }
}

export function createHeartbeat(): Heartbeat {
  return new PeerHeartbeat();
}
