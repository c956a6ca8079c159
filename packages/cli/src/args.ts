/** rgchat-cli's command line, parsed and checked once. */
export interface CliOptions {
  readonly url: string;
  readonly name: string;
  readonly avatarId: number;
  readonly room: string | undefined;
  readonly sessionId: string | undefined;
  /** `--send TEXT`: post once and exit. */
  readonly send: string | undefined;
  readonly emote: boolean;
  /** `--tail`: print every message as one JSON line until killed. */
  readonly tail: boolean;
  /** `--since SEQ` (with --tail): first print the room's messages after this seq. */
  readonly since: number | undefined;
  /** Seconds to wait for the server before giving up (--send, --tail start-up). */
  readonly timeoutS: number;
  readonly help: boolean;
}

export const USAGE = `rgchat-cli: chat with an rgchat server from a terminal

Usage:
  rgchat-cli [--url URL] [--name NAME] [--avatar N] [--room ROOM]       interactive chat
  rgchat-cli --room ROOM --send "TEXT" [--emote]                          post once (scripts, bots)
  rgchat-cli --room ROOM --tail [--since SEQ]                             one JSON line per message

Options:
  --url URL        server WebSocket URL (default ws://localhost:8080/, or RGCHAT_URL)
  --name NAME      display name, no spaces (default: guest-<random>)
  --avatar N       avatar number (default 0)
  --room ROOM      room to enter (created if it does not exist)
  --session ID     session id: keep the same one to be the same author across runs
                   (default: RGCHAT_SESSION, else random)
  --send TEXT      post TEXT once (under a clientMsgId: stored at most once even if
                   retried) and exit 0 when stored, 1 with the server's error otherwise
  --emote          with --send: post as an emote (/me)
  --tail           print each new message of ROOM as a JSON line on stdout
  --since SEQ      with --tail: start after message number SEQ (exact, no gaps)
  --timeout S      seconds to wait for the server (default 15)
  -h, --help       this text

Interactive commands:
  /join ROOM       enter ROOM (created if missing)      /rooms          list rooms
  /nick NAME       change your name                     /me TEXT        emote
  /history [N]     show N older messages (default 20)   /quit           leave
`;

/** Thrown for a bad command line; main prints it with the usage and exits 2. */
export class UsageError extends Error {}

export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CliOptions {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const WITH_VALUE = new Set(['--url', '--name', '--avatar', '--room', '--session', '--send', '--since', '--timeout']);
  const FLAGS = new Set(['--tail', '--emote', '--help', '-h']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // `pnpm cli -- --room x` hands the separator through.
    if (arg === '--') continue;
    const eq = arg.indexOf('=');
    const key = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (WITH_VALUE.has(key)) {
      const value = eq > 0 && key !== arg ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`${key} needs a value`);
      values.set(key, value);
    } else if (FLAGS.has(arg)) flags.add(arg);
    else throw new UsageError(`unknown argument: ${arg}`);
  }
  const int = (key: string, min: number): number | undefined => {
    const v = values.get(key);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`${key} must be a whole number >= ${min}`);
    return Number(v);
  };
  const send = values.get('--send');
  const tail = flags.has('--tail');
  const room = values.get('--room');
  if (send !== undefined && tail) throw new UsageError('--send and --tail cannot be combined');
  if ((send !== undefined || tail) && room === undefined) throw new UsageError(`${tail ? '--tail' : '--send'} needs --room`);
  if (flags.has('--emote') && send === undefined) throw new UsageError('--emote goes with --send');
  if (values.has('--since') && !tail) throw new UsageError('--since goes with --tail');
  const name = values.get('--name') ?? `guest-${Math.floor(Math.random() * 1e6)}`;
  if (/\s/u.test(name) || name === '') throw new UsageError('--name cannot be empty or contain spaces');
  return {
    url: values.get('--url') ?? env['RGCHAT_URL'] ?? 'ws://localhost:8080/',
    name,
    avatarId: int('--avatar', 0) ?? 0,
    room,
    sessionId: values.get('--session') ?? env['RGCHAT_SESSION'],
    send,
    emote: flags.has('--emote'),
    tail,
    since: int('--since', 0),
    timeoutS: int('--timeout', 1) ?? 15,
    help: flags.has('--help') || flags.has('-h'),
  };
}
