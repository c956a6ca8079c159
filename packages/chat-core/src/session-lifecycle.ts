import type { AddressBook } from './address-book';
import { CloseCode } from './close-codes';
import type { Limits } from './limits';
import type { Clock } from './ports/clock';
import type { Connection } from './ports/connection';
import type { Ids } from './ports/ids';
import type { Log } from './ports/log';
import type { ChatMetrics } from './ports/metrics';
import type { RoomListPusher } from './room-list-pusher';
import type { RoomMembership } from './room-membership';
import { createSession, type Session, type SessionServer } from './session';

export interface SessionLifecycleDeps {
  readonly clock: Clock;
  readonly ids: Ids;
  readonly limits: Limits;
  readonly metrics: ChatMetrics;
  readonly log: Log;
  /** Counts each session against its client address from open to close. */
  readonly addresses: AddressBook;
  /** A closed session leaves its room... */
  readonly rooms: Pick<RoomMembership, 'leave'>;
  /** ...and gets no more room lists. */
  readonly roomLists: Pick<RoomListPusher, 'remove'>;
  /** Serves each session's requests (see request-serving.ts). */
  readonly serving: Pick<SessionServer, 'serve' | 'failed' | 'overflow'>;
}

/**
 * The server's open sessions from open to close, so that every way a
 * connection ends (the transport's report, a server-side close, a missed
 * hello or heartbeat) releases its address, queue, room and room lists
 * exactly once.
 */
export function createSessionLifecycle(deps: SessionLifecycleDeps) {
  const { clock, ids, limits, metrics, log, addresses, rooms, roomLists, serving } = deps;
  const sessions = new Set<Session>();
  // One for every session (a session keeps a reference, not a copy).
  const server: SessionServer = { clock, ids, limits, metrics, serve: serving.serve, failed: serving.failed, overflow: serving.overflow };

  function helloTimedOut(s: Session): void {
    if (s.closed || s.greeted) return;
    log('info', 'no hello in time; closing', { connId: s.id, remoteAddress: s.connection.remoteAddress, helloTimeoutMs: limits.helloTimeoutMs });
    closeOne(s, CloseCode.POLICY_VIOLATION, 'hello timeout');
  }

  function closeOne(s: Session, code: number, reason: string): void {
    s.connection.close(code, reason);
    closed(s, code);
  }

  function closed(s: Session, code: number): void {
    if (s.closed) return;
    s.closed = true;
    s.stopHelloDeadline();
    addresses.detach(s.address, clock.now());
    s.requests.close();
    rooms.leave(s);
    roomLists.remove(s.connection);
    sessions.delete(s);
    metrics.connectionClosed();
    log('info', 'disconnect', {
      connId: s.id,
      remoteAddress: s.connection.remoteAddress,
      origin: s.connection.origin,
      durationMs: clock.now() - s.openedAt,
      code,
    });
  }

  return {
    /** The sessions open now. */
    sessions: sessions as ReadonlySet<Session>,

    /**
     * A session for a new connection: counted and given `helloTimeoutMs` to
     * say hello, or, when `refuse` (the server is closing or stopping), closed
     * at once with 1001 and never counted as open.
     */
    open(connection: Connection, refuse: boolean): Session {
      const s = createSession(connection, server, addresses.attach(connection.remoteAddress, clock.now()));
      if (refuse) {
        connection.close(CloseCode.GOING_AWAY, 'server shutting down');
        s.closed = true;
        addresses.detach(s.address, clock.now());
      } else {
        s.stopHelloDeadline = clock.schedule(limits.helloTimeoutMs, () => helloTimedOut(s));
        sessions.add(s);
        metrics.connectionOpened();
        log('info', 'connect', { connId: s.id, remoteAddress: connection.remoteAddress, origin: connection.origin });
      }
      return s;
    },

    /** Closes `s` server-side with `code` and forgets it. */
    closeOne,

    /** `s` closed (reported by the transport, or closed by core): forgets it; a second report is ignored. */
    closed,
  };
}
