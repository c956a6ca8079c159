import type { Admission, AddressBook } from './address-book';
import type { Limits } from './limits';
import type { Clock } from './ports/clock';
import type { Log } from './ports/log';

/** A refusal of one kind is logged at most once per this many ms per address (server full: once overall). */
export const REFUSAL_LOG_INTERVAL_MS = 60_000;

/**
 * The connection caps at upgrade time (`maxConnections`, `maxConnectionsPerIp`),
 * decided from the address book, with refusals logged sparingly: one line
 * per address per minute for a full address (the time is kept on its entry,
 * which exists since the address has connections), one line per minute for
 * a full server, each with the count refused since the previous line.
 */
export function createConnectionAdmission(book: AddressBook, clock: Clock, log: Log, limits: Pick<Limits, 'maxConnections' | 'maxConnectionsPerIp'>): (address: string) => Admission {
  const perAddress = new WeakMap<object, { at: number; refused: number }>();
  let full = { at: -Infinity, refused: 0 };
  const due = (mark: { at: number; refused: number }, now: number): boolean => {
    mark.refused++;
    return now - mark.at >= REFUSAL_LOG_INTERVAL_MS;
  };

  return (remoteAddress) => {
    const verdict = book.admit(remoteAddress);
    if (verdict === 'ok') return verdict;
    const now = clock.now();
    if (verdict === 'server-full') {
      if (due(full, now)) {
        log('warn', 'connection refused: server full', { remoteAddress, maxConnections: limits.maxConnections, refused: full.refused });
        full = { at: now, refused: 0 };
      }
      return verdict;
    }
    const entry = book.entry(remoteAddress);
    if (!entry) return verdict;
    const mark = perAddress.get(entry) ?? { at: -Infinity, refused: 0 };
    perAddress.set(entry, mark);
    if (due(mark, now)) {
      log('warn', 'connection refused: too many from this address', { remoteAddress, maxConnectionsPerIp: limits.maxConnectionsPerIp, refused: mark.refused });
      mark.at = now;
      mark.refused = 0;
    }
    return verdict;
  };
}
