#!/usr/bin/env node
/**
 * rgchat-admin: the admin API (issue #14) from a terminal. Every command is
 * one HTTP request with `Authorization: Bearer $RGCHAT_ADMIN_TOKEN`; the
 * answer is printed as a table, or as JSON with --json. Exit codes: 0 done,
 * 1 refused or failed (the server's error is printed), 2 bad command line.
 */
const USAGE = `rgchat-admin: moderate an rgchat server (needs its ADMIN_TOKEN)

Usage: rgchat-admin [--url URL] [--token TOKEN] [--json] COMMAND

Commands:
  rooms                              rooms with messages and online counts
  who ROOM                           connections in ROOM (address, name, since)
  delete-message ROOM MESSAGE_ID     delete any message
  kick CLIENT_ID                     close a connection
  ban CIDR [--minutes N] [--reason TEXT]
                                     ban an address or network (default 60 minutes)
  bans                               bans in force
  unban BAN_ID                       lift a ban
  delete-room ROOM                   delete a room with all its messages

Options:
  --url URL      the server's HTTP address (default http://localhost:8080, or RGCHAT_ADMIN_URL)
  --token TOKEN  the ADMIN_TOKEN (default: RGCHAT_ADMIN_TOKEN; prefer the variable,
                 a command line is visible to other users of the machine)
  --json         print the server's JSON answer as is
`;

class UsageError extends Error {}

interface Parsed {
  url: string;
  token: string | undefined;
  json: boolean;
  minutes: string | undefined;
  reason: string | undefined;
  words: string[];
}

function parse(argv: readonly string[]): Parsed {
  const out: Parsed = { url: process.env['RGCHAT_ADMIN_URL'] ?? 'http://localhost:8080', token: process.env['RGCHAT_ADMIN_TOKEN'], json: false, minutes: undefined, reason: undefined, words: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--') continue;
    else if (a === '--url') out.url = value();
    else if (a === '--token') out.token = value();
    else if (a === '--minutes') out.minutes = value();
    else if (a === '--reason') out.reason = value();
    else if (a === '--json') out.json = true;
    else if (a === '-h' || a === '--help') out.words.unshift('help');
    else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else out.words.push(a);
  }
  return out;
}

const enc = encodeURIComponent;

/** The request a command makes: method, path and how to print the answer. */
function requestFor(p: Parsed): { method: string; path: string; show: (body: any) => string } {
  const [command, ...args] = p.words;
  const need = (n: number, usage: string) => {
    if (args.length !== n) throw new UsageError(`usage: rgchat-admin ${command} ${usage}`);
  };
  const time = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z'));
  switch (command) {
    case 'rooms':
      need(0, '');
      return {
        method: 'GET',
        path: '/admin/rooms',
        show: (b) => table(['ROOM', 'NAME', 'MESSAGES', 'ONLINE', 'LAST MESSAGE'], b.rooms.map((r: any) => [r.id, r.name, r.messageCount, r.online, time(r.lastMessageTs)])),
      };
    case 'who':
      need(1, 'ROOM');
      return {
        method: 'GET',
        path: `/admin/rooms/${enc(args[0]!)}/connections`,
        show: (b) =>
          table(['CLIENT', 'NAME', 'ADDRESS', 'CONNECTED'], b.connections.map((c: any) => [c.clientId, c.name, c.remoteAddress ?? '(other instance)', time(c.connectedAt)])),
      };
    case 'delete-message':
      need(2, 'ROOM MESSAGE_ID');
      return { method: 'DELETE', path: `/admin/rooms/${enc(args[0]!)}/messages/${enc(args[1]!)}`, show: () => `deleted ${args[1]} from ${args[0]}` };
    case 'kick':
      need(1, 'CLIENT_ID');
      return { method: 'DELETE', path: `/admin/connections/${enc(args[0]!)}`, show: () => `closing ${args[0]}` };
    case 'ban': {
      need(1, 'CIDR [--minutes N] [--reason TEXT]');
      const q = new URLSearchParams({ cidr: args[0]!, minutes: p.minutes ?? '60', reason: p.reason ?? '' });
      return { method: 'POST', path: `/admin/bans?${q}`, show: (b) => `banned ${b.ban.cidr} until ${time(b.ban.expiresAt)} (${b.ban.id})` };
    }
    case 'bans':
      need(0, '');
      return {
        method: 'GET',
        path: '/admin/bans',
        show: (b) => table(['BAN', 'NETWORK', 'UNTIL', 'REASON'], b.bans.map((x: any) => [x.id, x.cidr, time(x.expiresAt), x.reason])),
      };
    case 'unban':
      need(1, 'BAN_ID');
      return { method: 'DELETE', path: `/admin/bans/${enc(args[0]!)}`, show: () => `lifted ${args[0]}` };
    case 'delete-room':
      need(1, 'ROOM');
      return { method: 'DELETE', path: `/admin/rooms/${enc(args[0]!)}`, show: () => `deleted room ${args[0]}` };
    default:
      throw new UsageError(command === undefined ? 'a command is needed' : `unknown command ${command}`);
  }
}

function table(head: string[], rows: unknown[][]): string {
  if (!rows.length) return '(none)';
  // Names come from users: control characters are shown, never interpreted by the terminal.
  // eslint-disable-next-line no-control-regex
  const cell = (v: unknown) => String(v).replace(/[\u0000-\u001f\u007f-\u009f]/gu, '?');
  const all = [head, ...rows.map((r) => r.map(cell))];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

async function main(): Promise<number> {
  let p: Parsed;
  let req: ReturnType<typeof requestFor>;
  try {
    p = parse(process.argv.slice(2));
    if (p.words[0] === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    req = requestFor(p);
    if (!p.token) throw new UsageError('no token: set RGCHAT_ADMIN_TOKEN (or --token)');
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`rgchat-admin: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  let res: Response;
  try {
    res = await fetch(new URL(req.path, p.url), { method: req.method, headers: { authorization: `Bearer ${p.token}` }, signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    process.stderr.write(`rgchat-admin: ${p.url} did not answer: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const why = body?.error ? `${body.error}: ${body.message ?? ''}` : text.slice(0, 200);
    process.stderr.write(`rgchat-admin: ${res.status} ${why}\n`);
    return 1;
  }
  process.stdout.write((p.json ? text : req.show(body)) + '\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`rgchat-admin: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
