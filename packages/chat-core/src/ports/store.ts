import type { MessageType } from '../protocol/frames';

/** A room as stored, with its live metadata. */
export interface RoomRecord {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  /** Exact number of messages stored in the room (visible ones, once messages can be deleted). */
  readonly messageCount: number;
  /** `ts` of the newest message, or null for an empty room. */
  readonly lastMessageTs: number | null;
}

/** A message as stored. */
export interface MessageRecord {
  readonly roomId: string;
  /**
   * Position in the room, 1-based, assigned by the store inside the write
   * transaction from the room's own counter (`last_seq`, kept apart from
   * `messageCount`): one more than the highest seq ever assigned there, so
   * never reused, even for a deleted message. Every instance and every
   * history read agree on it.
   */
  readonly seq: number;
  readonly id: string;
  readonly ts: number;
  readonly authorId: string;
  readonly name: string;
  readonly avatarId: number;
  readonly type: MessageType;
  readonly text: string;
}

export type NewMessage = Omit<MessageRecord, 'seq'>;

export interface AppendResult {
  readonly message: MessageRecord;
  /** The room's metadata right after this message. */
  readonly room: RoomRecord;
}

/** Rooms: create once, read many. */
export interface RoomStore {
  /** Every room, in no particular order. */
  listRooms(): Promise<RoomRecord[]>;
  getRoom(id: string): Promise<RoomRecord | undefined>;
  /** Creates the room unless one with this id exists (then returns it untouched). */
  createRoom(room: { id: string; name: string; createdAt: number }): Promise<{ room: RoomRecord; created: boolean }>;
  /**
   * Removes every room that never received a message and was created before
   * `createdBefore` (ms since the epoch), except those in `keep`; resolves
   * with the removed ids. Atomic per room: an `appendMessage` racing the
   * removal either stores its message first (and the room stays) or rejects
   * with ROOM_NOT_FOUND. Idempotent: a room already gone is not reported.
   */
  removeEmptyRooms(createdBefore: number, keep: readonly string[]): Promise<string[]>;
}

/** Messages: append-only per room, read by position. */
export interface MessageStore {
  /**
   * Stores the message and bumps the room's count, seq counter and last
   * activity in one transaction, assigning `seq`. Resolves only once durable. Rejects with a
   * `ChatError('ROOM_NOT_FOUND')` when the room does not exist.
   */
  appendMessage(message: NewMessage): Promise<AppendResult>;
  /** The newest `limit` messages of the room, oldest first. */
  recentMessages(roomId: string, limit: number): Promise<MessageRecord[]>;
  /** Messages with `seq > afterSeq`, oldest first, at most `limit`. */
  messagesAfter(roomId: string, afterSeq: number, limit: number): Promise<MessageRecord[]>;
}

/** One page of a room's history (`HistoryStore.messagesPage`); at most one cursor, core checks that. */
export interface PageQuery {
  /** The newest `limit` messages with `seq < before`. */
  readonly before?: number | undefined;
  /** The oldest `limit` messages with `seq > after`. */
  readonly after?: number | undefined;
  /** Without a cursor: the newest `limit` messages. 1 or more. */
  readonly limit: number;
}

export interface MessagePage {
  /** At most `limit` messages, oldest first. */
  readonly messages: MessageRecord[];
  /** More messages exist beyond this page in the direction asked (older for none/`before`, newer for `after`). */
  readonly hasMore: boolean;
  /**
   * The highest seq ever assigned in the room (deleted messages included),
   * read together with `messages`: recovery tells "nothing missed" from "the
   * database was replaced" with it.
   */
  readonly lastSeq: number;
}

/** Pages of a room's history by position: `history`, `GET /api/rooms/{id}/messages` and recovery (issue #11). */
export interface HistoryStore {
  /**
   * One page, from one indexed range read of `limit + 1` rows (the extra
   * one only says `hasMore`) and the room's counter, consistent with each
   * other; undefined when the room does not exist.
   */
  messagesPage(roomId: string, query: PageQuery): Promise<MessagePage | undefined>;
}

/** What core needs from storage, plus its lifecycle. */
export interface ChatStore extends RoomStore, MessageStore, HistoryStore {
  /** Resolves when the store can serve reads and writes (health check). */
  check(): Promise<void>;
  /** Flushes and releases everything; idempotent. */
  close(): Promise<void>;
}
