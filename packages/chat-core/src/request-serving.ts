import { CloseCode } from './close-codes';
import { ChatError, ErrorCode, isChatError } from './error-codes';
import type { Log } from './ports/log';
import type { ChatMetrics } from './ports/metrics';
import type { RequestContext } from './request-context';
import type { RequestJob } from './request-spec';
import type { Session, SessionServer } from './session';
import { sendError } from './session-frames';

export interface RequestServingDeps {
  /** What every request handler is given. */
  readonly ctx: RequestContext;
  readonly metrics: ChatMetrics;
  readonly log: Log;
  /** Closes one session server-side (and forgets it). */
  readonly close: (s: Session, code: number, reason: string) => void;
}

/**
 * What a session's request queue calls when a request's turn comes, when it
 * fails, and when the queue overflows: one place decides how a request is
 * answered, so a bug is logged in full and never leaks to the client.
 */
export function createRequestServing({ ctx, metrics, log, close }: RequestServingDeps): Pick<SessionServer, 'serve' | 'failed' | 'overflow'> {
  return {
    serve(s: Session, { spec, request }: RequestJob): void | Promise<void> {
      // Checked when the request's turn comes: a hello queued before it counts.
      if (spec.needsHello && !s.greeted) throw new ChatError(ErrorCode.HELLO_REQUIRED, 'Send hello first.');
      metrics.requestServed(spec.type);
      return spec.handle(ctx, s, request);
    },

    failed(s: Session, job: RequestJob, err: unknown): void {
      const requestType = job.request.type;
      if (isChatError(err)) return sendError(s, err, requestType);
      // A bug, not bad input: say nothing specific to the client, everything to the log.
      log('error', 'request failed unexpectedly', { connId: s.id, requestType, err: String(err), stack: (err as Error)?.stack });
      sendError(s, new ChatError(ErrorCode.INTERNAL, 'Internal error.'), requestType);
      s.connection.close(CloseCode.INTERNAL_ERROR, 'internal error');
    },

    overflow(s: Session): void {
      log('info', 'request queue over its hard bound; closing', { connId: s.id, remoteAddress: s.connection.remoteAddress });
      close(s, CloseCode.TRY_AGAIN_LATER, 'too many queued requests');
    },
  };
}
