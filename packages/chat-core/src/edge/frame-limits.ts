import type { Limits } from '../limits';

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

/**
 * RFC 1122's default MSS: on any real path a TCP sender's segments carry at
 * least this many bytes (all but the last of a write), so a frame in flight
 * arrives in at most one read per this many bytes.
 */
const MIN_SEGMENT_BYTES = 536;

/**
 * Bounds for a frame parser that holds an unfinished message as a list of
 * pieces (ws): at most `maxFragmentsPerMessage` fragments, and at most this
 * many unparsed reads, enough for the largest frame arriving one minimal TCP
 * segment at a time plus one read per fragment. Each piece costs heap
 * whatever its size, so a trickle of tiny reads or fragments is closed
 * (1008) after a few KB instead of pinning megabytes (issue #10).
 */
export function fragmentBounds(limits: Pick<Limits, 'maxFragmentsPerMessage' | 'maxPayloadBytes'>): { maxFragments: number; maxBufferedChunks: number } {
  const maxFragments = limits.maxFragmentsPerMessage;
  return { maxFragments, maxBufferedChunks: maxFragments + Math.ceil(limits.maxPayloadBytes / MIN_SEGMENT_BYTES) };
}
