/*
 * The NATS bus's settings and the rules that judge them. Driver-free: app
 * validates NATS_URL and NATS_SUBJECT with these without loading `nats`.
 */

/** NATS_URL when unset: the server a developer runs locally. */
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** NATS_SUBJECT when unset: every instance of one deployment publishes and subscribes here. */
export const DEFAULT_NATS_SUBJECT = 'rgchat';

/** Schemes the `nats` client for Node speaks (`tls:` forces TLS; `nats:` upgrades when the server asks). */
const SCHEMES = ['nats:', 'tls:'];

/**
 * The server URLs in `url`: one URL, or several separated by commas (a
 * cluster; the client tries them in turn). Blanks around commas are ignored.
 */
export const natsServers = (url: string): string[] =>
  url
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

function urlProblem(url: string): string | undefined {
  const servers = natsServers(url);
  if (servers.length === 0) return 'must name a NATS server, like nats://127.0.0.1:4222';
  for (const server of servers) {
    let u: URL;
    try {
      u = new URL(server);
    } catch {
      // Not echoed: it may hold a password.
      return 'must be nats://host[:port] (or tls://…), comma-separated for a cluster; one entry is not a URL';
    }
    if (!SCHEMES.includes(u.protocol)) return `must use nats:// or tls://, not ${u.protocol}//`;
    if (u.hostname === '') return 'must name a host in every server URL';
    if ((u.pathname !== '' && u.pathname !== '/') || u.search !== '' || u.hash !== '') {
      return 'must be nats://[user:password@]host[:port] only: no path, query or fragment';
    }
  }
  return undefined;
}

/**
 * A literal NATS subject: dot-separated tokens of printable ASCII, none
 * empty, no wildcard (`*`, `>`) since we publish on it, and not `$…`
 * (the server's own subjects).
 */
function subjectProblem(subject: string): string | undefined {
  if (subject.length === 0 || subject.length > 200) return 'must be 1-200 characters';
  if (!/^[\x21-\x7e]+$/.test(subject)) return 'must be printable ASCII without spaces';
  const tokens = subject.split('.');
  if (tokens.some((t) => t.length === 0)) return 'must not have an empty token (leading, trailing or doubled dot)';
  if (tokens.some((t) => t === '*' || t === '>' || t.includes('*') || t.includes('>'))) return 'must not contain wildcards (* or >)';
  if (subject.startsWith('$')) return 'must not start with $ (reserved for the server)';
  return undefined;
}

/** Why `value` cannot be used as the setting `key`, or undefined when it can; the message follows the variable's name. */
export function natsSettingProblem(key: 'url' | 'subject', value: string): string | undefined {
  return key === 'url' ? urlProblem(value) : subjectProblem(value);
}
