import type { ChatError } from './error-codes';
import type { ServerFrame, WireSelf } from './protocol/frames';
import type { Session } from './session';

/** Sends one frame to a session; nothing once it is closed. */
export function sendFrame(s: Session, frame: ServerFrame): void {
  if (!s.closed) sendAnswer(s, JSON.stringify(frame));
}

/**
 * Sends an answer already serialised, and charges the session for its size
 * (`costBytesPerToken`: a history or a room list costs in proportion). The
 * length in UTF-16 units is the UTF-8 byte count for ASCII and a cheap lower
 * bound otherwise.
 */
export function sendAnswer(s: Session, text: string): void {
  if (s.closed) return;
  s.connection.send(text);
  s.toll.chargeAnswer(text.length);
}

/** Answers a request (or a frame that is none: `requestType` null) with an `error` frame. */
export function sendError(s: Session, error: ChatError, requestType: string | null): void {
  if (s.closed) return;
  s.metrics.errorSent(error.code);
  sendFrame(s, {
    type: 'error',
    code: error.code,
    message: error.message,
    requestType,
    ...(error.clientMsgId === undefined ? {} : { clientMsgId: error.clientMsgId }),
  });
}

/** The session as `welcome.self` and `profile_ack.self` show it. */
export const selfOf = (s: Session): WireSelf => ({ clientId: s.id, name: s.profile.name, avatarId: s.profile.avatarId });
