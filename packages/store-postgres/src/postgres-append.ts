import type { Pool, QueryResultRow } from 'pg';
import {
  ChatError,
  ErrorCode,
  roomAfter,
  storedMessage,
  type AppendResult,
  type Log,
  type MessageRecord,
  type NewMessage,
  type WriteHealth,
} from '@rgchat/chat-core';
import { errText } from './postgres-options';
import type { Outcome, RoomGroup } from './room-batcher';
import {
  appendParams,
  prepared,
  toMessage,
  toRoom,
  type AppendedRoomRow,
  type KeyedMessageRow,
  type PreparedName,
  type RoomRow,
  type Statements,
} from './statements';

/** SQLSTATE classes that blame the data of one statement (22 data exception, 23 integrity violation), not the connection. */
const isDataError = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
};

/**
 * Whether Postgres itself answered a statement with an error, which means it
 * rolled the statement back. Not so for errors pg raises on its own side
 * (connection terminated, read timeout: no answer at all), nor for class 08
 * (connection exception) and 57P (the server shutting the session down:
 * with synchronous replication even a committed transaction can end so).
 */
const rolledBack = (e: unknown): boolean => {
  const { code, severity } = (e ?? {}) as { code?: unknown; severity?: unknown };
  if (typeof severity !== 'string' || typeof code !== 'string' || code.length !== 5) return false;
  return !code.startsWith('08') && !code.startsWith('57P');
};

/** The unique index that is the acks idempotency key (migration 5). */
const CLIENT_MSG_INDEX = 'messages_client_msg';

/** A failed outcome whose statement broke the idempotency key: a resend that raced in. */
const isKeyConflict = (o: Outcome<unknown> | undefined): boolean => {
  if (o === undefined || o.ok) return false;
  const { code, constraint } = (o.error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === CLIENT_MSG_INDEX;
};

const idempotencyKey = (roomId: string, authorKey: string | null | undefined, clientMsgId: string): string => `${roomId}\u0000${authorKey ?? ''}\u0000${clientMsgId}`;

const countItems = (groups: readonly RoomGroup<unknown>[]): number => groups.reduce((n, g) => n + g.items.length, 0);

/** A group's items all failed with one error. */
const failAll = <R>(items: readonly unknown[], error: unknown): Outcome<R>[] => items.map(() => ({ ok: false, error }));

/** What the append path shares with the store. */
export interface PostgresAppendDeps {
  readonly pool: Pool;
  readonly sql: Statements;
  readonly query: <R extends QueryResultRow>(text: string, values?: unknown[], name?: PreparedName) => Promise<R[]>;
  readonly log: Log;
  /** Told of every append statement's fate, for check(). */
  readonly writeHealth: WriteHealth;
}

/**
 * The store's appends, as the room batcher's `writeGroups`: the originals
 * of every resend (acks) among the groups are looked up in one query, and
 * every room's messages still to insert go into ONE statement. Each group
 * gets its own outcomes: one group's failure is not another's.
 */
export function createPostgresAppend({ pool, sql, query, log, writeHealth }: PostgresAppendDeps) {
  /** Notes an append statement's fate for check(): SQLSTATE 22/23 blame one message's data, anything else the store. */
  const noteWrite = async <T>(write: Promise<T>): Promise<T> => {
    try {
      const result = await write;
      writeHealth.succeeded();
      return result;
    } catch (e) {
      if (!isDataError(e)) writeHealth.failed(e, performance.now());
      throw e;
    }
  };

  /**
   * One statement for the messages of one or more rooms (each group one
   * room's, in order). It commits on its own (autocommit), so once it is
   * sent only an answer tells whether it committed: a failure to get a
   * connection left nothing written, an error Postgres reports for the
   * statement rolled it back, but a connection lost (or a client-side read
   * timeout) while it ran leaves the outcome unknown, and the callers get
   * STORE_TIMEOUT instead of a "not stored" guess.
   */
  async function appendRooms(groups: readonly RoomGroup<NewMessage>[]): Promise<Outcome<AppendResult>[][]> {
    const client = await pool.connect();
    let rows: AppendedRoomRow[];
    try {
      rows = (await noteWrite(client.query<AppendedRoomRow>(prepared('append_to_rooms', sql.appendToRooms, appendParams(groups))))).rows;
      client.release();
    } catch (e) {
      // As pool.query does: a connection that failed a query is not reused.
      client.release(e instanceof Error ? e : true);
      if (!rolledBack(e)) {
        log('warn', 'postgres append outcome unknown', { rooms: groups.length, messages: countItems(groups), err: errText(e) });
        throw new ChatError(ErrorCode.STORE_TIMEOUT, 'The database did not confirm the write; the message may still appear.');
      }
      throw e;
    }
    const byRoom = new Map(rows.map((r) => [r.id, r]));
    return groups.map(({ key: roomId, items }) => {
      const row = byRoom.get(roomId);
      if (row === undefined) {
        const error = new ChatError(ErrorCode.ROOM_NOT_FOUND, `No room "${roomId}".`);
        return items.map(() => ({ ok: false, error }));
      }
      if (Number(row.inserted) !== items.length) {
        // Cannot happen (each room's messages join its one bumped row); never report seqs we did not write.
        throw new Error(`append inserted ${row.inserted} of ${items.length} messages of room "${roomId}"`);
      }
      const after = toRoom(row);
      const firstSeq = Number(row.last_seq) - items.length + 1;
      const firstCount = after.messageCount - items.length + 1;
      return items.map((m, i) => {
        const message = storedMessage(m, firstSeq + i);
        // The room as it was right after THIS message, as the port promises.
        return { ok: true, value: { message, room: roomAfter(after, message, firstCount + i) } };
      });
    });
  }

  /** One room's messages in one statement. */
  const appendGroup = async (roomId: string, batch: readonly NewMessage[]): Promise<Outcome<AppendResult>[]> =>
    (await appendRooms([{ key: roomId, items: batch }]))[0]!;

  /**
   * Messages of one room in one statement; when that fails on one message's
   * data (a duplicate id), one by one, so only the culprit fails.
   */
  async function appendOrSplit(roomId: string, batch: readonly NewMessage[]): Promise<Outcome<AppendResult>[]> {
    try {
      const outcomes = await appendGroup(roomId, batch);
      log('debug', 'postgres append committed', { rooms: 1, messages: batch.length });
      return outcomes;
    } catch (e) {
      if (!isDataError(e) || batch.length === 1) {
        log('warn', 'postgres append failed', { rooms: 1, messages: batch.length, roomId, err: errText(e) });
        throw e;
      }
      // One bad message (a duplicate id) failed the statement and so the
      // group: write them one by one so only the culprit fails.
      const outcomes: Outcome<AppendResult>[] = [];
      for (const m of batch) {
        try {
          const [one] = await appendGroup(roomId, [m]);
          outcomes.push(one!);
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    }
  }

  /** The stored originals of keyed messages (acks) of any rooms, by room and idempotency key: one query for all. */
  async function findOriginals(messages: readonly NewMessage[]): Promise<Map<string, MessageRecord>> {
    const keyed = messages.filter((m) => m.clientMsgId !== undefined);
    if (keyed.length === 0) return new Map();
    // Unnamed on purpose: a named statement keeps the plan it got while the
    // table was small, a hash join over a scan of every message, until an
    // ANALYZE; planned per call it probes messages_client_msg (raw 61).
    const rows = await query<KeyedMessageRow>(sql.findByClientMsgIds, [
      keyed.map((m) => m.roomId),
      keyed.map((m) => m.authorKey ?? null),
      keyed.map((m) => m.clientMsgId),
    ]);
    return new Map(rows.map((r) => [idempotencyKey(r.room_id, r.author_key, r.client_msg_id), toMessage(r)]));
  }

  /**
   * The fresh messages of several rooms (each entry one room's, in order) in
   * one statement. When a message's data fails it (a duplicate id, or a
   * resend another instance stored since the lookup), the statement wrote
   * nothing: then room by room, and such a room message by message, so only
   * the culprit fails. Resolves one outcome list per entry; rejects (every
   * entry failed alike) only when the one statement failed otherwise.
   */
  async function writeFresh(groups: readonly RoomGroup<NewMessage>[]): Promise<Outcome<AppendResult>[][]> {
    if (groups.length > 1) {
      try {
        const outcomes = await appendRooms(groups);
        log('debug', 'postgres append committed', { rooms: groups.length, messages: countItems(groups) });
        return outcomes;
      } catch (e) {
        if (!isDataError(e)) {
          log('warn', 'postgres append failed', { rooms: groups.length, messages: countItems(groups), err: errText(e) });
          throw e;
        }
      }
    }
    return Promise.all(groups.map((g) => appendOrSplit(g.key, g.items).catch((error: unknown) => failAll<AppendResult>(g.items, error))));
  }

  /**
   * A group's outcomes from what was written: a resend of a stored message
   * (found by the lookup, or raced in from another instance and so failing
   * its insert on messages_client_msg) is answered with the original and
   * `duplicate`; a key twice in the group gets its first copy's outcome.
   * A duplicate never fails its group-mates.
   */
  async function settleGroup(p: Planned, written: readonly Outcome<AppendResult>[], raced: ReadonlyMap<string, MessageRecord>): Promise<Outcome<AppendResult>[]> {
    const racedOriginal = (o: Outcome<AppendResult> | undefined, m: NewMessage): MessageRecord | undefined =>
      isKeyConflict(o) && m.clientMsgId !== undefined ? raced.get(idempotencyKey(m.roomId, m.authorKey, m.clientMsgId)) : undefined;
    const answersFromTable = p.plans.some((plan) => !('fresh' in plan)) || p.fresh.some((m, i) => racedOriginal(written[i], m) !== undefined);
    let room = [...written].reverse().find((o) => o.ok)?.value.room;
    if (room === undefined && answersFromTable) {
      const [row] = await query<RoomRow>(sql.getRoom, [p.group.key]);
      if (!row) return failAll(p.group.items, new ChatError(ErrorCode.ROOM_NOT_FOUND, `No room "${p.group.key}".`));
      room = toRoom(row);
    }
    const duplicateOf = (message: MessageRecord): Outcome<AppendResult> => ({ ok: true, value: { message, room: room!, duplicate: true } });
    const resolved = written.map((o, i): Outcome<AppendResult> => {
      const original = racedOriginal(o, p.fresh[i]!);
      return original ? duplicateOf(original) : o;
    });
    return p.plans.map((plan): Outcome<AppendResult> => {
      if ('original' in plan) return duplicateOf(plan.original);
      if ('fresh' in plan) return resolved[plan.fresh] ?? { ok: false, error: new Error('the append returned no outcome for this message') };
      const first = resolved[plan.sameAs]!;
      return first.ok ? duplicateOf(first.value.message) : first;
    });
  }

  return async function writeGroups(groups: readonly RoomGroup<NewMessage>[]): Promise<Outcome<AppendResult>[][]> {
    const keyed = new Set(groups.filter((g) => g.items.some((m) => m.clientMsgId !== undefined)));
    let originals = new Map<string, MessageRecord>();
    let lookupFailure: { error: unknown } | undefined;
    if (keyed.size > 0) {
      try {
        originals = await findOriginals([...keyed].flatMap((g) => g.items));
      } catch (error) {
        // Only the groups that needed the lookup fail: nothing of theirs was written.
        lookupFailure = { error };
      }
    }
    const planned = groups.filter((g) => lookupFailure === undefined || !keyed.has(g)).map((g) => planGroup(g, originals));
    // Every room's fresh messages, plain v1 sends and first sends of acks alike, in one statement.
    const todo = planned.filter((p) => p.fresh.length > 0);
    let written: Outcome<AppendResult>[][];
    try {
      written = todo.length > 0 ? await writeFresh(todo.map((p) => ({ key: p.group.key, items: p.fresh }))) : [];
    } catch (error) {
      written = todo.map((p) => failAll(p.fresh, error));
    }
    const writtenOf = new Map(todo.map((p, i) => [p, written[i] ?? []]));
    // Resends another instance stored between the lookup and the insert: answered from the table too.
    const racedMessages = todo.flatMap((p, i) => p.fresh.filter((_, j) => isKeyConflict(written[i]?.[j])));
    let raced = new Map<string, MessageRecord>();
    if (racedMessages.length > 0) {
      // On failure those messages keep their key-conflict error: stored by another instance, not answered here.
      raced = await findOriginals(racedMessages).catch((e: unknown) => {
        log('warn', 'postgres resend lookup failed', { messages: racedMessages.length, err: errText(e) });
        return raced;
      });
    }
    const settled = await Promise.all(
      planned.map((p) => settleGroup(p, writtenOf.get(p) ?? [], raced).catch((error: unknown) => failAll<AppendResult>(p.group.items, error))),
    );
    const outcomesOf = new Map(planned.map((p, i) => [p.group, settled[i]!]));
    return groups.map((g) => outcomesOf.get(g) ?? failAll(g.items, lookupFailure?.error));
  };
}

type Plan = { readonly fresh: number } | { readonly original: MessageRecord } | { readonly sameAs: number };

/** A group and what to do with each of its messages; `fresh` are the ones to insert, in order. */
interface Planned {
  readonly group: RoomGroup<NewMessage>;
  readonly plans: readonly Plan[];
  readonly fresh: readonly NewMessage[];
}

/** Which of a group's messages to write: a resend of a stored message is answered with it, a key twice in the group is written once. */
function planGroup(group: RoomGroup<NewMessage>, originals: ReadonlyMap<string, MessageRecord>): Planned {
  const fresh: NewMessage[] = [];
  const firstOfKey = new Map<string, number>();
  const plans = group.items.map((m): Plan => {
    if (m.clientMsgId === undefined) return { fresh: fresh.push(m) - 1 };
    const key = idempotencyKey(m.roomId, m.authorKey, m.clientMsgId);
    const original = originals.get(key);
    if (original) return { original };
    const earlier = firstOfKey.get(key);
    if (earlier !== undefined) return { sameAs: earlier };
    firstOfKey.set(key, fresh.length);
    return { fresh: fresh.push(m) - 1 };
  });
  return { group, plans, fresh };
}
