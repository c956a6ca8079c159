/**
 * Bytes a transport may let through above `maxPayloadBytes`. A library that
 * drops a connection whose frame exceeds its own maximum does so without a
 * close frame (the peer sees 1006, uWS); with this slack a frame up to 64 KiB
 * over the limit still reaches the edge, which closes with 1009 as the
 * contract says. Only frames over limit + slack are dropped bare.
 */
export const OVERSIZE_SLACK_BYTES = 64 * 1024;

/**
 * A library's own idle timeout, in seconds, as a backstop behind core's
 * heartbeat (which pings every `heartbeatMs` and drops a peer that missed a
 * pong). A live peer answers every ping and inbound data resets such timers,
 * so twice the heartbeat plus 4 s of timer granularity never closes a live peer.
 */
export const idleBackstopSeconds = (heartbeatMs: number): number => Math.ceil((2 * heartbeatMs) / 1000) + 4;
