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

/**
 * A message to store: a record without its seq, plus what the store keeps
 * beside it but never hands back in a record (issue #11).
 */
export interface NewMessage extends Omit<MessageRecord, 'seq'> {
  /**
   * The author's `userId` (user-id.ts): who may delete the message, and half
   * of the idempotency key. A one-way hash or a connection id, never the raw
   * sessionId. Absent only for records written before the extensions.
   */
  readonly authorKey?: string;
  /**
   * The client's idempotency key (`acks`): at most one message per (room,
   * authorKey, clientMsgId), enforced by the store, so a resend is
   * recognised across reconnects, restarts and instances.
   */
  readonly clientMsgId?: string | undefined;
}

export interface AppendResult {
  readonly message: MessageRecord;
  /** The room's metadata right after this message (for a duplicate: as the store found it). */
  readonly room: RoomRecord;
  /**
   * The store already held a message with this (room, authorKey,
   * clientMsgId): `message` is that original, nothing was written, and
   * nothing must be broadcast. Absent for a message just stored.
   */
  readonly duplicate?: true;
}

/** What `deleteMessage` did. */
export type DeleteOutcome =
  /**
   * Gone from every read; `room` is the room right after (one message
   * fewer), `lastSeq` its seq counter, unchanged by the delete.
   */
  | { readonly kind: 'deleted'; readonly seq: number; readonly room: RoomRecord; readonly lastSeq: number }
  /** No visible message with this id in this room (never was, or already deleted). */
  | { readonly kind: 'not_found' }
  /** The message exists, but `authorKey` is not its author's (or it predates author keys). */
  | { readonly kind: 'forbidden' };

/** One person's reaction turned on or off (extensions: reactions). */
export interface ReactionChange {
  readonly roomId: string;
  readonly messageId: string;
  /** One RGI emoji, already validated by core. */
  readonly emoji: string;
  /** The person: their `userId`, never the raw sessionId. */
  readonly userKey: string;
  readonly on: boolean;
  /** When (ms since the epoch): emoji are listed in the order they were first given. */
  readonly ts: number;
  /** Distinct emoji a message may hold; a new one beyond is refused (`too_many`). */
  readonly maxEmoji: number;
}

/** What `react` did; `count` is that emoji's total on the message afterwards. */
export type ReactOutcome =
  | { readonly kind: 'changed'; readonly count: number }
  /** Already so (on twice, or off without a reaction): nothing written. */
  | { readonly kind: 'unchanged'; readonly count: number }
  /** No visible message with this id in this room. */
  | { readonly kind: 'not_found' }
  /** The message already holds `maxEmoji` other distinct emoji. */
  | { readonly kind: 'too_many' };

/** A message's reactions: [emoji, count] pairs, counts above 0, in the order each emoji was first given. */
export type ReactionCounts = ReadonlyArray<readonly [emoji: string, count: number]>;

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
   * `ChatError('ROOM_NOT_FOUND')` when the room does not exist. A message
   * whose (roomId, authorKey, clientMsgId) is already stored, also by a
   * concurrent call or another instance, resolves with the original and
   * `duplicate: true`, writing nothing; a duplicate never fails the other
   * messages of a group commit.
   */
  appendMessage(message: NewMessage): Promise<AppendResult>;
  /** The newest `limit` messages of the room, oldest first. */
  recentMessages(roomId: string, limit: number): Promise<MessageRecord[]>;
  /** Messages with `seq > afterSeq`, oldest first, at most `limit`. */
  messagesAfter(roomId: string, afterSeq: number, limit: number): Promise<MessageRecord[]>;
  /**
   * Deletes the room's message `messageId` if `authorKey` wrote it (the
   * `NewMessage.authorKey` it was stored with), or whoever wrote it when
   * `authorKey` is null (a moderator): from then on no read returns
   * it, and the room's `messageCount` is one lower in the same transaction,
   * while its seq counter stays, so the seq is never assigned again. Its
   * reactions go with it; its idempotency key stays (a resend is still a
   * duplicate). Atomic against concurrent deletes: one of them deletes.
   */
  deleteMessage(roomId: string, messageId: string, authorKey: string | null): Promise<DeleteOutcome>;
  /**
   * Turns one person's reaction on a visible message on or off: at most one
   * per (message, emoji, userKey), at most `maxEmoji` distinct emoji per
   * message. Atomic per message: concurrent changes never exceed the cap
   * nor lose a count.
   */
  react(change: ReactionChange): Promise<ReactOutcome>;
  /**
   * The reactions of the room's messages `messageIds` (a page: one query,
   * not one per message); messages without any are absent from the map.
   */
  reactionCounts(roomId: string, messageIds: readonly string[]): Promise<ReadonlyMap<string, ReactionCounts>>;
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

/** An address or network kept out until `expiresAt` (issue #14, moderation). */
export interface BanRecord {
  readonly id: string;
  /** Canonical CIDR: `203.0.113.0/24`, `2001:db8::/32`; a single address is /32 or /128. */
  readonly cidr: string;
  readonly reason: string;
  readonly createdAt: number;
  /** Ms since the epoch; the ban applies while `now < expiresAt`. */
  readonly expiresAt: number;
}

/** What moderators change: bans and whole rooms. */
export interface ModerationStore {
  /** Stores a ban (ids are unique; core issues them). */
  addBan(ban: BanRecord): Promise<void>;
  /** Removes the ban; resolves false when there was none with this id. */
  liftBan(id: string): Promise<boolean>;
  /** The bans with `expiresAt > now`, oldest first; expired ones may be purged meanwhile. */
  activeBans(now: number): Promise<BanRecord[]>;
  /**
   * Deletes the room with every message and reaction in it, in one
   * transaction; resolves false when there was no such room.
   */
  deleteRoom(roomId: string): Promise<boolean>;
}

/** What core needs from storage, plus its lifecycle. */
export interface ChatStore extends RoomStore, MessageStore, HistoryStore, ModerationStore {
  /** Resolves when the store can serve reads and writes (health check). */
  check(): Promise<void>;
  /** Flushes and releases everything; idempotent. */
  close(): Promise<void>;
}
