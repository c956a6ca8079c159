import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Longest hostname kept in an instance id, in characters: the id rides in every bus notice. */
const MAX_HOST_CHARS = 32;

/**
 * A new id for this process start, `<host>-<pid>-<8 hex>`, e.g.
 * `chat-2-4711-9f03a1c2`. Host and pid tell an operator which instance a log
 * line or a bus notice came from; the random part keeps a restarted process
 * (same host, a reused pid in a container) from being taken for its previous
 * self, whose notices a bus drops as its own echoes. Call it once per start.
 */
export function createInstanceId(host: string = hostname(), pid: number = process.pid): string {
  // Keeps the id one token in logs and safe in any payload: letters, digits, dots and dashes only.
  const name = host.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').slice(0, MAX_HOST_CHARS) || 'host';
  return `${name}-${pid}-${randomBytes(4).toString('hex')}`;
}
