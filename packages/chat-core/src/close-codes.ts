/** WebSocket close codes core uses (RFC 6455 §7.4.1, IANA registry). */
export const CloseCode = {
  NORMAL: 1000,
  /** Server shutting down; the client may reconnect elsewhere or later. */
  GOING_AWAY: 1001,
  /** Frame or behaviour breaks the protocol beyond recovery. */
  POLICY_VIOLATION: 1008,
  /** Frame larger than maxPayloadBytes. */
  MESSAGE_TOO_BIG: 1009,
  /** Unexpected condition; details in the server log. */
  INTERNAL_ERROR: 1011,
  /** Server restarting; reconnect shortly. */
  SERVICE_RESTART: 1012,
  /** Too slow a reader, or too many queued requests: reconnect later. */
  TRY_AGAIN_LATER: 1013,
} as const;
