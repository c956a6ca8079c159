import type { Log } from './ports/log';
import type { Session } from './session';

/** Close code reported for a peer dropped without a closing handshake (RFC 6455 §7.1.5). */
const ABNORMAL_CLOSURE = 1006;

/**
 * One heartbeat interval over every session: ping the live, terminate those
 * that missed the previous pong. `dropped` runs for each terminated one,
 * because a transport might not report the close of a socket it terminated.
 */
export function sweepHeartbeats(sessions: Iterable<Session>, log: Log, dropped: (s: Session, code: number) => void): void {
  for (const s of [...sessions]) {
    if (s.heartbeat.beat() === 'ping') {
      s.connection.ping();
      continue;
    }
    log('info', 'peer missed heartbeat; dropping', { connId: s.id, remoteAddress: s.connection.remoteAddress });
    s.connection.terminate();
    dropped(s, ABNORMAL_CLOSURE);
  }
}
