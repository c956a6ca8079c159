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
  /**
   * Most frames one inbound message may arrive in (RFC 6455 §5.4); one more
   * closes the socket with 1008. Each held fragment costs heap whatever its
   * size, up to a whole 64 KiB socket read each (issue #10: 16,000 one-byte
   * fragments pinned 1.85 MB). Browsers send a message as one frame, and a
   * valid request is a few KiB, so 16 pieces of 256 bytes is ample. Enforced
   * on ws; uWS cannot count fragments and bounds a fragmented message by
   * bytes only (`maxPayloadBytes` plus slack). Default 16.
   */
  maxFragmentsPerMessage: positiveInt(16_384),
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
  /** Sustained inbound frames per second from one client address, over all its connections. Default 40. */
  rateLimitPerIpPerSec: positiveInt(1_000_000),
  /** Frames one client address may send at once before its rate applies. Default 100. */
  rateLimitPerIpBurst: positiveInt(1_000_000),
  /** Refused or invalid frames that close a connection with 1008 (see `abuseWindowMs`). Default 30. */
  abuseStrikes: positiveInt(1_000_000),
  /** Strikes drain at `abuseStrikes` per this many ms, so only a sustained stream of them closes. Default 10000. */
  abuseWindowMs: positiveInt(3_600_000),
  /** Every this many bytes of one answer (history, room list) cost one more token from both buckets. Default 16384. */
  costBytesPerToken: v.pipe(v.number(), v.integer(), v.minValue(256), v.maxValue(1024 * 1024 * 1024)),
  /** A socket that has not been greeted by a valid `hello` this long after it opened is closed with 1008. Default 10000. */
  helloTimeoutMs: positiveInt(3_600_000),
  /** Open WebSockets at most; upgrades beyond get HTTP 503. Default 20000. */
  maxConnections: positiveInt(10_000_000),
  /** Open WebSockets from one client address at most; upgrades beyond get HTTP 429. Default 50. */
  maxConnectionsPerIp: positiveInt(10_000_000),
  /** Most rooms a `room_list` frame or `welcome.rooms` carries, most recently active first (`GET /api/rooms` pages through all). Default 200. */
  roomListLimit: positiveInt(100_000),
  /** New rooms one client address may create per hour (a token bucket of this size, refilled over the hour); re-creating an existing room is free. Default 30. */
  roomCreatesPerIpPerHour: positiveInt(1_000_000_000),
  /** A room that never received a message is removed this many ms after its creation (checked every ttl/24, between 1 s and 1 h). Default 86400000 (one day). */
  emptyRoomTtlMs: v.pipe(v.number(), v.integer(), v.minValue(1000), v.maxValue(10 * 365 * 86_400_000)),
  /** Room-list bytes per second per client: after a push of N bytes, that client's next push waits at least N / this many seconds. Default 65536. */
  roomListBytesPerSec: v.pipe(v.number(), v.integer(), v.minValue(1024), v.maxValue(1024 * 1024 * 1024)),
  /** Extensions' presence: at most one `presence` frame per room per this many ms, carrying the net change since the previous one. Default 250. */
  presenceIntervalMs: v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(60_000)),
  /** An instance not heard from for this long (killed without a goodbye) is gone: its members leave the other instances' views. Default 15000. */
  presenceTtlMs: v.pipe(v.number(), v.integer(), v.minValue(1000), v.maxValue(3_600_000)),
  /**
   * How often each instance announces it is alive on the bus. At most
   * `(presenceTtlMs - presenceIntervalMs) / 2`, so one lost announcement
   * never drops a live instance. Default `presenceTtlMs / 3`, rounded down.
   */
  presenceLivenessMs: v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(3_600_000)),
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
  maxFragmentsPerMessage: 16,
  sendBudgetBytes: 1024 * 1024,
  roomListIntervalMs: 1000,
  storeTimeoutMs: 5000,
  maxPendingRequests: 64,
  gapFillMs: 250,
  rateLimitPerIpPerSec: 40,
  rateLimitPerIpBurst: 100,
  abuseStrikes: 30,
  abuseWindowMs: 10_000,
  costBytesPerToken: 16_384,
  helloTimeoutMs: 10_000,
  maxConnections: 20_000,
  maxConnectionsPerIp: 50,
  roomListLimit: 200,
  roomCreatesPerIpPerHour: 30,
  emptyRoomTtlMs: 86_400_000,
  roomListBytesPerSec: 65_536,
  presenceIntervalMs: 250,
  presenceTtlMs: 15_000,
  presenceLivenessMs: 5000,
});

/** `maxPendingRequests` when not overridden: a whole burst fits without pausing. */
const pendingFor = (rateLimitBurst: unknown): number =>
  typeof rateLimitBurst === 'number' ? Math.max(64, rateLimitBurst) : defaultLimits.maxPendingRequests;

/** `presenceLivenessMs` when not overridden: a third of the TTL, so one lost announcement (and some bus delay) is tolerated. */
const livenessFor = (presenceTtlMs: unknown): number =>
  typeof presenceTtlMs === 'number' ? Math.floor(presenceTtlMs / 3) : defaultLimits.presenceLivenessMs;

/**
 * The one place limits are validated. Throws a RangeError naming every bad
 * field; the result is frozen and trusted everywhere else. An unset
 * `maxPendingRequests` follows `rateLimitBurst`, an unset
 * `presenceLivenessMs` follows `presenceTtlMs` (see their docs).
 */
export function createLimits(overrides: Partial<Limits> = {}): Limits {
  const merged = { ...defaultLimits, ...overrides };
  if (overrides.maxPendingRequests === undefined) merged.maxPendingRequests = pendingFor(merged.rateLimitBurst);
  if (overrides.presenceLivenessMs === undefined) merged.presenceLivenessMs = livenessFor(merged.presenceTtlMs);
  const result = v.safeParse(limitsSchema, merged);
  const problems = result.success ? [] : result.issues.map((i) => `${v.getDotPath(i) ?? '?'}: ${i.message}`);
  if (result.success) {
    const { presenceLivenessMs, presenceTtlMs, presenceIntervalMs } = result.output;
    if (presenceLivenessMs * 2 + presenceIntervalMs > presenceTtlMs) {
      problems.push(
        `presenceLivenessMs: ${presenceLivenessMs} is too long for presenceTtlMs ${presenceTtlMs} (at most (presenceTtlMs - presenceIntervalMs) / 2, so one lost announcement never drops a live instance)`,
      );
    }
  }
  if (!result.success || problems.length > 0) throw new RangeError(`invalid limits: ${problems.join('; ')}`);
  return Object.freeze(result.output);
}
