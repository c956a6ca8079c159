import { parseArgs } from 'node:util';
import { ATTACKS, type AttackName } from './attacks/attack';
import { metricsUrlOf } from './server-metrics';

export const MODES = ['fanout', 'idle', 'join', 'slow-reader', 'abuse', 'presence'] as const;
export type Mode = (typeof MODES)[number];

/** Everything the load tool can be told; units are in the names. */
export interface BenchOptions {
  readonly url: string;
  /** A second instance (same database): every other client connects there (`--also-url`). */
  readonly alsoUrl: string | undefined;
  /** The second instance's pid; its CPU is added to the server's (`--also-server-pid`). */
  readonly alsoServerPid: number | undefined;
  readonly mode: Mode;
  readonly connections: number;
  readonly rooms: number;
  /** Senders per room. */
  readonly senders: number;
  /** Messages per second per sender. */
  readonly ratePerSec: number;
  readonly durationS: number;
  readonly warmupS: number;
  /** Longest wait after the window for messages still in flight. */
  readonly drainS: number;
  /** Approximate length of each message text (stamp plus padding). */
  readonly textChars: number;
  readonly roomPrefix: string;
  /** Server process to watch; 'auto' finds the process listening on the URL's port. */
  readonly serverPid: number | 'auto' | undefined;
  /** The server's Prometheus endpoint, scraped at the window's start and end for its event-loop delay and GC pauses. */
  readonly serverMetricsUrl: string | undefined;
  readonly origin: string | undefined;
  readonly connectConcurrency: number;
  readonly tickMs: number;
  /** Longest wait for any one setup reply (welcome, room_list, joined_room). */
  readonly requestTimeoutS: number;
  /** join: messages to pre-fill the join room with. */
  readonly history: number;
  /** join: per-sender rate of the background fan-out during joins; 0 = none. */
  readonly backgroundRatePerSec: number;
  /** join: connections that join the full room over and over. */
  readonly joiners: number;
  /** join: pause between one joined_room and the next join_room of a joiner. */
  readonly joinIntervalMs: number;
  /** idle: how long to hold the connections before reading the server's RSS. */
  readonly idleS: number;
  /** abuse: the attacks to run at once. */
  readonly attacks: readonly AttackName[];
  /** abuse: connections per attack. */
  readonly attackers: number;
  /** abuse: the honest client's ping period. */
  readonly pingIntervalMs: number;
  /** abuse: X-Forwarded-For of the honest client, so a TRUST_PROXY server keeps its per-address limits on for the attackers (127.0.0.1). */
  readonly honestForwardedFor: string | undefined;
  /**
   * Extension features every client asks for in `hello.features` (rgchat's
   * extensions); empty: plain rg-chat-v1 clients. Default none, except in
   * presence mode (presence, typing).
   */
  readonly features: readonly string[];
  /** presence: members that type (an `active: true` every --keystroke-ms) during the typing phase. */
  readonly typists: number;
  /** presence: a typist's keystroke period. */
  readonly keystrokeMs: number;
  /** presence: Postgres URL of the servers' bus, to count its events (LISTEN on their channel); undefined: not counted. */
  readonly busUrl: string | undefined;
  /** presence: the servers' DATABASE_SCHEMA (their bus channel follows from it). */
  readonly busSchema: string;
  readonly help: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function int(name: string, raw: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, got "${raw}"`);
  return n;
}

function num(name: string, raw: string | undefined, fallback: number, min: number, max = Number.MAX_VALUE): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in ${min}..${max}, got "${raw}"`);
  return n;
}

function parseAttacks(raw: string | undefined): AttackName[] {
  if (raw === undefined || raw === 'all') return [...ATTACKS];
  const names = raw.split(',').map((x) => x.trim());
  for (const x of names) if (!(ATTACKS as readonly string[]).includes(x)) throw new UsageError(`--attack must be "all" or a comma list of ${ATTACKS.join(', ')}, got "${x}"`);
  return [...new Set(names)] as AttackName[];
}

/** `--server-metrics`: a URL, or `auto` for /metrics on the chat server's own port (rgchat's default). */
function metricsUrlOption(raw: string | undefined, url: string): string | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'auto') return metricsUrlOf(url);
  if (!/^https?:\/\//.test(raw)) throw new UsageError(`--server-metrics must be "auto" or an http(s) URL, got "${raw}"`);
  return raw;
}

/** `--features`: comma list as given (the server ignores names it does not know); presence mode defaults to presence,typing. */
function parseFeatures(raw: string | undefined, mode: Mode): string[] {
  if (raw === undefined) return mode === 'presence' ? ['presence', 'typing'] : [];
  return raw.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
}

const STRING_OPTIONS = [
  'url', 'also-url', 'also-server-pid', 'mode', 'connections', 'rooms', 'senders', 'rate', 'duration', 'warmup', 'drain', 'text-chars',
  'room-prefix', 'server-pid', 'origin', 'connect-concurrency', 'tick-ms', 'timeout', 'history',
  'background-rate', 'joiners', 'join-interval-ms', 'idle-seconds', 'attack', 'attackers', 'ping-interval-ms',
  'honest-forwarded-for', 'features', 'typists', 'keystroke-ms', 'bus-url', 'bus-schema', 'server-metrics',
] as const;

/** Parses and checks the command line (without node and script); throws UsageError on anything wrong. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let values: Record<string, string | boolean | undefined>;
  // `pnpm bench -- --x` may hand the separator through.
  if (argv[0] === '--') argv = argv.slice(1);
  try {
    const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
    for (const name of STRING_OPTIONS) options[name] = { type: 'string' };
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const s = (name: (typeof STRING_OPTIONS)[number]): string | undefined => values[name] as string | undefined;

  const url = s('url') ?? 'ws://127.0.0.1:8080/';
  if (!/^wss?:\/\//.test(url)) throw new UsageError(`--url must start with ws:// or wss://, got "${url}"`);
  const alsoUrl = s('also-url');
  if (alsoUrl !== undefined && !/^wss?:\/\//.test(alsoUrl)) throw new UsageError(`--also-url must start with ws:// or wss://, got "${alsoUrl}"`);
  const alsoPidRaw = s('also-server-pid');
  const modeRaw = s('mode') ?? 'fanout';
  if (!(MODES as readonly string[]).includes(modeRaw)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}, got "${modeRaw}"`);
  const mode = modeRaw as Mode;

  const pidRaw = s('server-pid');
  const serverPid = pidRaw === undefined ? undefined : pidRaw === 'auto' ? 'auto' : int('server-pid', pidRaw, 0, 1);

  const connections = int('connections', s('connections'), 200, 1);
  const rooms = int('rooms', s('rooms'), 10, 1);
  const senders = int('senders', s('senders'), 1, 0);
  const roomPrefix = s('room-prefix') ?? 'bench';
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(roomPrefix)) throw new UsageError('--room-prefix must be lowercase letters, digits and dashes (at most 31), so room ids equal room names');

  const opts: BenchOptions = {
    url,
    alsoUrl,
    alsoServerPid: alsoPidRaw === undefined ? undefined : int('also-server-pid', alsoPidRaw, 0, 1),
    mode,
    connections,
    rooms,
    senders,
    ratePerSec: num('rate', s('rate'), 250, 0),
    durationS: num('duration', s('duration'), 10, 0.1),
    warmupS: num('warmup', s('warmup'), 3, 0),
    drainS: num('drain', s('drain'), 3, 0),
    textChars: int('text-chars', s('text-chars'), 64, 24, 100_000),
    roomPrefix,
    serverPid,
    serverMetricsUrl: metricsUrlOption(s('server-metrics'), url),
    origin: s('origin'),
    connectConcurrency: int('connect-concurrency', s('connect-concurrency'), 200, 1),
    tickMs: int('tick-ms', s('tick-ms'), 10, 1, 1000),
    requestTimeoutS: num('timeout', s('timeout'), 30, 0.1),
    history: int('history', s('history'), 500, 0),
    backgroundRatePerSec: num('background-rate', s('background-rate'), 0, 0),
    joiners: int('joiners', s('joiners'), 1, 1),
    joinIntervalMs: int('join-interval-ms', s('join-interval-ms'), 10, 0),
    idleS: num('idle-seconds', s('idle-seconds'), 5, 0),
    attacks: parseAttacks(s('attack')),
    attackers: int('attackers', s('attackers'), 1, 1, 100_000),
    pingIntervalMs: int('ping-interval-ms', s('ping-interval-ms'), 100, 1, 60_000),
    honestForwardedFor: s('honest-forwarded-for'),
    features: parseFeatures(s('features'), mode),
    typists: int('typists', s('typists'), 20, 0),
    keystrokeMs: int('keystroke-ms', s('keystroke-ms'), 200, 10, 60_000),
    busUrl: s('bus-url'),
    busSchema: s('bus-schema') ?? 'rgchat',
    help: values['help'] === true,
  };
  if (opts.help) return opts;

  const perRoom = Math.floor(connections / rooms);
  if (perRoom < 1) throw new UsageError(`--connections (${connections}) must be at least --rooms (${rooms})`);
  if ((mode === 'fanout' || mode === 'slow-reader') && senders < 1) throw new UsageError('--senders must be at least 1');
  if (senders > perRoom) throw new UsageError(`--senders (${senders}) exceeds the members per room (${perRoom})`);
  if (mode === 'slow-reader' && senders >= perRoom) {
    throw new UsageError(`slow-reader needs a member of room 0 that is not a sender: --senders (${senders}) must be below members per room (${perRoom})`);
  }
  if (mode === 'presence' && opts.typists >= connections) throw new UsageError(`--typists (${opts.typists}) must be below --connections (${connections})`);
  if (mode === 'idle' && serverPid === undefined) throw new UsageError('--mode idle measures server memory: give --server-pid <pid|auto>');
  return opts;
}

/** Offered load implied by the options, assuming round-robin membership. */
export function offeredLoad(o: Pick<BenchOptions, 'connections' | 'rooms' | 'senders' | 'ratePerSec'>) {
  const membersPerRoom = o.connections / o.rooms;
  const messagesPerSec = o.rooms * o.senders * o.ratePerSec;
  return { membersPerRoom, messagesPerSec, deliveriesPerSec: messagesPerSec * membersPerRoom };
}
