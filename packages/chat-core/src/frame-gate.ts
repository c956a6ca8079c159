import { CloseCode } from './close-codes';
import { ChatError, ErrorCode } from './error-codes';
import type { Log } from './ports/log';
import type { Decoder } from './protocol/decode';
import type { RequestJob } from './request-spec';
import type { Session } from './session';
import { sendError } from './session-frames';

/** Strike kind of a binary frame (answered INVALID_REQUEST, but worth telling apart in the log). */
const BINARY = 'BINARY';

export interface FrameGateDeps {
  readonly decoder: Decoder;
  readonly log: Log;
  /** Forgets a session core just closed (as if the transport had reported the close). */
  readonly closed: (s: Session, code: number) => void;
}

/**
 * Turns one inbound frame into an admitted request, or nothing: the frame
 * is paid for before it is parsed (see frame-toll.ts); a refused frame is
 * dropped with at most one RATE_LIMITED per `RATE_LIMITED_NOTICE_INTERVAL_MS`;
 * an invalid one gets its error frame while the connection's small error
 * bucket allows; both are strikes, and the strike that reaches
 * `abuseStrikes` closes the connection with 1008 and logs it once at warn.
 */
export function createFrameGate({ decoder, log, closed }: FrameGateDeps): (s: Session, data: string, isBinary: boolean) => RequestJob | undefined {
  function strike(s: Session, kind: string): void {
    if (!s.toll.strike(kind)) return;
    const kinds = s.toll.strikeKinds();
    log('warn', 'abusive connection: too many refused or invalid frames; closing', {
      connId: s.id,
      remoteAddress: s.connection.remoteAddress,
      // Every strike this connection collected (the leaky counter itself is at abuseStrikes now).
      strikes: Object.values(kinds).reduce((sum, n) => sum + n, 0),
      kinds,
    });
    s.metrics.abuseClosed();
    s.connection.close(CloseCode.POLICY_VIOLATION, 'too many refused or invalid frames');
    closed(s, CloseCode.POLICY_VIOLATION);
  }

  function invalid(s: Session, kind: string, error: ChatError, requestType: string | null): void {
    if (s.toll.mayAnswerError()) sendError(s, error, requestType);
    strike(s, kind);
  }

  return (s, data, isBinary) => {
    if (!s.toll.pay()) {
      s.metrics.rateLimited();
      // Not parsed: the type of a refused frame is unknown, hence requestType null.
      if (s.toll.mayNoticeRateLimit()) sendError(s, new ChatError(ErrorCode.RATE_LIMITED, 'Too many requests; slow down.'), null);
      strike(s, ErrorCode.RATE_LIMITED);
      return undefined;
    }
    if (isBinary) {
      invalid(s, BINARY, new ChatError(ErrorCode.INVALID_REQUEST, 'Binary frames are not supported; send JSON text.'), null);
      return undefined;
    }
    const decoded = decoder.decode(data, s.featuresAhead);
    if (decoded.ok) {
      decoded.spec.admitted?.(s, decoded.request);
      return decoded;
    }
    invalid(s, decoded.error.code, decoded.error, decoded.requestType);
    return undefined;
  };
}
