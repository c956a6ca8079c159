/** WebSocket close codes core uses (RFC 6455 §7.4.1, IANA registry). */
export const CloseCode = {
  /** Server shutting down; the client may reconnect elsewhere or later. */
  GOING_AWAY: 1001,
  /**
   * Policy violation: a connection that kept sending refused or invalid
   * frames (`abuseStrikes`), or sent no `hello` within `helloTimeoutMs`.
   * Reconnecting at once is pointless; the client must change its behaviour.
   */
  POLICY_VIOLATION: 1008,
  /** Frame larger than maxPayloadBytes. */
  MESSAGE_TOO_BIG: 1009,
  /** Unexpected condition; details in the server log. */
  INTERNAL_ERROR: 1011,
  /** Server restarting; reconnect shortly. */
  SERVICE_RESTART: 1012,
  /**
   * The connection's admitted requests passed four times `maxPendingRequests`
   * on a transport that cannot pause reading: reconnect later.
   */
  TRY_AGAIN_LATER: 1013,
} as const;
