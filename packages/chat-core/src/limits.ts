import * as v from 'valibot';

const positiveInt = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(max));

const limitsSchema = v.strictObject({
  /** Longest display name, in code points. Default 24. */
  maxNameLength: positiveInt(256),
  /** Longest room display name, in code points. Default 40. */
  maxRoomNameLength: positiveInt(256),
  /** Longest message text, in code points, after trimming. Default 400. */
  maxMessageLength: positiveInt(100_000),
  /** Messages returned on join, newest kept, oldest first. Default 500. */
  historyLimit: positiveInt(100_000),
  /** Sustained inbound requests per second per connection. Default 10. */
  rateLimitPerSec: positiveInt(1_000_000),
  /** Requests a connection may send at once before the rate applies. Default 30. */
  rateLimitBurst: positiveInt(1_000_000),
  /** Heartbeat period: ping each interval, drop a peer that missed the previous pong. Default 30000. */
  heartbeatMs: v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(3_600_000)),
  /** Largest inbound frame; larger ones close the socket with 1009. Default 65536. */
  maxPayloadBytes: v.pipe(v.number(), v.integer(), v.minValue(1024), v.maxValue(16 * 1024 * 1024)),
  /** Bytes a connection may have queued for sending before it is closed as a slow reader. Default 1 MiB. */
  sendBudgetBytes: v.pipe(v.number(), v.integer(), v.minValue(64 * 1024), v.maxValue(1024 * 1024 * 1024)),
  /** Shortest gap between two `room_list` pushes to a client. Default 1000. */
  roomListIntervalMs: positiveInt(60_000),
  /** A store call slower than this fails the request: STORE_TIMEOUT for an append (it may still commit), STORE_UNAVAILABLE for a read. Default 5000. */
  storeTimeoutMs: positiveInt(600_000),
  /**
   * A memory bound, not a rate limit: when a connection's admitted requests
   * (waiting plus in flight) reach this many, core pauses reading it and
   * resumes at half; a connection that cannot pause is closed with 1013 past
   * four times this. Admitted requests are never refused for queue length.
   * Default `max(64, rateLimitBurst)`, so a full burst never pauses.
   */
  maxPendingRequests: positiveInt(1_000_000),
  /** How long a gap in a room's message order may wait for the bus before it is read from the store. Default 250. */
  gapFillMs: positiveInt(60_000),
});

export type Limits = Readonly<v.InferOutput<typeof limitsSchema>>;

/** Every limit's default; `maxPendingRequests` is the one for the default burst (see `createLimits`). */
export const defaultLimits: Limits = Object.freeze({
  maxNameLength: 24,
  maxRoomNameLength: 40,
  maxMessageLength: 400,
  historyLimit: 500,
  rateLimitPerSec: 10,
  rateLimitBurst: 30,
  heartbeatMs: 30_000,
  maxPayloadBytes: 65_536,
  sendBudgetBytes: 1024 * 1024,
  roomListIntervalMs: 1000,
  storeTimeoutMs: 5000,
  maxPendingRequests: 64,
  gapFillMs: 250,
});

/** `maxPendingRequests` when not overridden: a whole burst fits without pausing. */
const pendingFor = (rateLimitBurst: unknown): number =>
  typeof rateLimitBurst === 'number' ? Math.max(64, rateLimitBurst) : defaultLimits.maxPendingRequests;

/**
 * The one place limits are validated. Throws a RangeError naming every bad
 * field; the result is frozen and trusted everywhere else. An unset
 * `maxPendingRequests` follows `rateLimitBurst` (see its doc).
 */
export function createLimits(overrides: Partial<Limits> = {}): Limits {
  const merged = { ...defaultLimits, ...overrides };
  if (overrides.maxPendingRequests === undefined) merged.maxPendingRequests = pendingFor(merged.rateLimitBurst);
  const result = v.safeParse(limitsSchema, merged);
  if (!result.success) {
    const problems = result.issues.map((i) => `${v.getDotPath(i) ?? '?'}: ${i.message}`);
    throw new RangeError(`invalid limits: ${problems.join('; ')}`);
  }
  return Object.freeze(result.output);
}
