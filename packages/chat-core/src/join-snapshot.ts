import type { HistoryStore, MessageRecord, MessageStore } from './ports/store';
import type { StoreGuard } from './store-guard';

/** What a join reads from the store while its joiner collects live messages (see room-feed.ts). */
export interface JoinSnapshot {
  /** Oldest first. */
  readonly messages: MessageRecord[];
  /** Every message up to this seq is in `messages` or older than the page: where the feed may start the room. */
  readonly upTo: number;
  /**
   * Recovery: `messages` are exactly those after `since` (none left out), so
   * the joiner needs nothing at or below `since` again. False for a plain
   * join and when recovery fell back to the newest messages.
   */
  readonly exact: boolean;
}

export interface SnapshotReader {
  readonly store: MessageStore & Partial<HistoryStore>;
  readonly guard: StoreGuard;
  readonly historyLimit: number;
}

/** A plain join: the newest `historyLimit` messages. */
export async function readRecent({ store, guard, historyLimit }: SnapshotReader, roomId: string): Promise<JoinSnapshot> {
  const messages = await guard('recentMessages', () => store.recentMessages(roomId, historyLimit));
  return { messages, upTo: messages.length > 0 ? messages[messages.length - 1]!.seq : 0, exact: false };
}

/**
 * A join with `since` (extensions contract, recovery): the messages after
 * `since` when there are at most `historyLimit` of them, read with the
 * room's counter in one page; otherwise, or when `since` is beyond every
 * seq the room ever assigned (the database was replaced), the newest
 * `historyLimit` as a plain join has them.
 */
export async function readSince(reader: SnapshotReader, roomId: string, since: number): Promise<JoinSnapshot> {
  const { store, guard, historyLimit } = reader;
  const pages = store.messagesPage?.bind(store);
  if (!pages) throw new Error('a join with since needs a store with messagesPage');
  const page = await guard('messagesPage', () => pages(roomId, { after: since, limit: historyLimit }));
  if (page && since <= page.lastSeq && !page.hasMore) return { messages: page.messages, upTo: page.lastSeq, exact: true };
  return readRecent(reader, roomId);
}
