import { ChatError, ErrorCode } from './error-codes';
import type { HistoryStore, MessageStore, PageQuery } from './ports/store';
import type { WireMessagePlus } from './protocol/frames';
import { parseQueryParams } from './protocol/query-params';
import type { StoreGuard } from './store-guard';
import { toWireMessagePlus } from './wire';

/** Most messages one history page may ask for (extensions contract, history). */
export const MAX_HISTORY_PAGE_LIMIT = 100;
/** Messages per history page when the client does not say. */
export const DEFAULT_HISTORY_PAGE_LIMIT = 50;

/** One page as `history` and `GET /api/rooms/{roomId}/messages` answer it (without the frame's `type`). */
export interface HistoryAnswer {
  readonly roomId: string;
  /** Oldest first, as Message+. */
  readonly messages: WireMessagePlus[];
  readonly hasMore: boolean;
}

const isSeq = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isLimit = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= MAX_HISTORY_PAGE_LIMIT;

/**
 * A page query from a request's fields (JSON values; absent or null: not
 * given): `before`/`after` are seqs (whole numbers from 0), at most one of
 * them; `limit` 1..100, default 50. Anything else is INVALID_REQUEST.
 */
export function historyQuery(before: unknown, after: unknown, limit: unknown): PageQuery {
  const b = before ?? undefined;
  const a = after ?? undefined;
  const l = limit ?? undefined;
  if (b !== undefined && a !== undefined) throw new ChatError(ErrorCode.INVALID_REQUEST, 'Give before or after, not both.');
  if (b !== undefined && !isSeq(b)) throw new ChatError(ErrorCode.INVALID_REQUEST, 'before must be a whole number (a seq).');
  if (a !== undefined && !isSeq(a)) throw new ChatError(ErrorCode.INVALID_REQUEST, 'after must be a whole number (a seq).');
  if (l !== undefined && !isLimit(l)) throw new ChatError(ErrorCode.INVALID_REQUEST, `limit must be a whole number from 1 to ${MAX_HISTORY_PAGE_LIMIT}.`);
  return { before: b, after: a, limit: l ?? DEFAULT_HISTORY_PAGE_LIMIT };
}

/** `since` of `join_room` (recovery): absent or null is none; else a seq, or INVALID_REQUEST. */
export function sinceField(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isSeq(value)) throw new ChatError(ErrorCode.INVALID_REQUEST, 'since must be a whole number (the last seq you hold).');
  return value;
}

/** `since` of `hello` (recovery, with `resumeRoomId`): hello falls back instead of failing, so a bad one is none. */
export const lenientSince = (value: unknown): number | undefined => (isSeq(value) ? value : undefined);

/** Longest digit string read as a number: beyond 2^53 a seq cannot be exact. */
const DIGITS = /^[0-9]{1,16}$/;

/**
 * The same query from a URL query string (`before=&after=&limit=`, digits
 * only; other parameters ignored); undefined for a bad, empty or repeated
 * one, which HTTP answers 400 INVALID_REQUEST.
 */
export function parseHistoryParams(search: string): PageQuery | undefined {
  const params = parseQueryParams(search, ['before', 'after', 'limit']);
  if (params === undefined) return undefined;
  const numbers: Record<string, number | undefined> = {};
  for (const [key, text] of params) {
    if (!DIGITS.test(text)) return undefined;
    numbers[key] = Number(text);
  }
  try {
    return historyQuery(numbers['before'], numbers['after'], numbers['limit']);
  } catch {
    return undefined;
  }
}

/**
 * One page of `roomId`'s history, read through the guard (STORE_UNAVAILABLE
 * on failure or timeout); ROOM_NOT_FOUND when the store has no such room.
 * Nothing about membership: the contract lets anyone read any room's history.
 * `withReactions`: messages carry `reactions` when they have some (HTTP
 * always, `get_history` where `reactions` was negotiated); deleted messages
 * are never in a page (the store skips them).
 */
export async function readHistory(
  store: HistoryStore & Pick<MessageStore, 'reactionCounts'>,
  guard: StoreGuard,
  roomId: string,
  query: PageQuery,
  withReactions: boolean,
): Promise<HistoryAnswer> {
  const page = await guard('messagesPage', () => store.messagesPage(roomId, query));
  if (!page) throw new ChatError(ErrorCode.ROOM_NOT_FOUND, `No room "${roomId}".`);
  const ids = page.messages.map((m) => m.id);
  // One read for the whole page (never one per message), only when they are shown.
  const reactions = withReactions && ids.length > 0 ? await guard('reactionCounts', () => store.reactionCounts(roomId, ids)) : undefined;
  return { roomId, messages: page.messages.map((m) => toWireMessagePlus(m, reactions?.get(m.id))), hasMore: page.hasMore };
}
