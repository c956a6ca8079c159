/**
 * The stable error codes of rg-chat-v1 `error` frames. Clients may switch on
 * them; never rename one, only add. Documented in docs/protocol.md.
 */
export const ErrorCode = {
  /** The frame is not valid JSON. */
  BAD_JSON: 'BAD_JSON',
  /** Valid JSON, but not an object with a string `type`, or a field has the wrong shape. */
  INVALID_REQUEST: 'INVALID_REQUEST',
  /** `type` names no request of this protocol. */
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  /** `hello.protocol` names a protocol this server does not speak. */
  UNSUPPORTED_PROTOCOL: 'UNSUPPORTED_PROTOCOL',
  /** A request other than `hello`/`ping` arrived before `hello`. */
  HELLO_REQUIRED: 'HELLO_REQUIRED',
  /** Display name empty, too long, or containing whitespace or control characters. */
  INVALID_NAME: 'INVALID_NAME',
  /** `avatarId` is not a safe integer. */
  INVALID_AVATAR: 'INVALID_AVATAR',
  /** Room name empty, too long, or empty once normalised to an id. */
  INVALID_ROOM: 'INVALID_ROOM',
  /** No room has this id. */
  ROOM_NOT_FOUND: 'ROOM_NOT_FOUND',
  /** `send_message` names a room this connection has not joined. */
  NOT_IN_ROOM: 'NOT_IN_ROOM',
  /** Message text empty or too long, or message type not `message`/`emote`. */
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  /** Too many requests; slow down. The connection stays open. */
  RATE_LIMITED: 'RATE_LIMITED',
  /**
   * Storage failed before the write could take effect, or a read failed or
   * timed out: nothing was stored or broadcast. Retry later. Also answers a
   * request the server did not get to before shutting down.
   */
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  /**
   * The store did not confirm a write in time (or lost its connection while
   * committing it): the outcome is unknown. The message may still be stored;
   * then everyone else gets it live and the sender sees it in history on its
   * next join, never as a live `message`. Do not resend it blindly.
   */
  STORE_TIMEOUT: 'STORE_TIMEOUT',
  /** Unexpected server fault; details are in the server log. */
  INTERNAL: 'INTERNAL',
  /** Extensions (`delete`, `reactions`): no message with this id in that room (or it was deleted). */
  MESSAGE_NOT_FOUND: 'MESSAGE_NOT_FOUND',
  /** Extensions (`delete`): only the message's author may do this. */
  FORBIDDEN: 'FORBIDDEN',
  /** Extensions (`reactions`): not one RGI emoji of at most 32 UTF-8 bytes, or the message already holds 20 distinct emoji. */
  INVALID_REACTION: 'INVALID_REACTION',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A rejection that becomes an `error` frame; the connection stays open. */
export class ChatError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /**
     * The `clientMsgId` of the send this answers (extensions, `acks`): the
     * `error` frame carries it, so the client knows which send failed.
     */
    readonly clientMsgId?: string,
  ) {
    super(message);
    this.name = 'ChatError';
  }
}

/** `e` answering a send that carried `clientMsgId`: a ChatError gets the id, anything else (a bug) is left alone. */
export function withClientMsgId(e: unknown, clientMsgId: string | undefined): unknown {
  if (clientMsgId === undefined || !(e instanceof ChatError) || e.clientMsgId !== undefined) return e;
  return new ChatError(e.code, e.message, clientMsgId);
}

export const isChatError = (e: unknown): e is ChatError => e instanceof ChatError;
