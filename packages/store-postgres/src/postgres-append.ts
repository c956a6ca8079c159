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

const idempotencyKey = (authorKey: string | null | undefined, clientMsgId: string): string => `${authorKey ?? ''}\u0000${clientMsgId}`;

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
 * The store's appends, as the room batcher's `writeGroups`: every room
 * whose group is plain v1 sends goes into ONE statement; a group holding
 * resends (acks) is written on its own, after its originals are looked up.
 * Each group gets its own outcomes: one group's failure is not another's.
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

  /** The stored originals of the batch's keyed messages (acks), by idempotency key. */
  async function findOriginals(roomId: string, batch: readonly NewMessage[]): Promise<Map<string, MessageRecord>> {
    const keyed = batch.filter((m) => m.clientMsgId !== undefined);
    if (keyed.length === 0) return new Map();
    const rows = await query<KeyedMessageRow>(sql.findByClientMsgIds, [
      roomId,
      keyed.map((m) => m.authorKey ?? null),
      keyed.map((m) => m.clientMsgId),
    ]);
    return new Map(rows.map((r) => [idempotencyKey(r.author_key, r.client_msg_id), toMessage(r)]));
  }

  /**
   * A group holding resends (acks): originals already stored are answered
   * from the table, a key twice in the group is written once, and the rest
   * goes through `appendOrSplit`. A key another instance stored between the
   * lookup and the insert fails its statement on messages_client_msg; the
   * group is then written one by one and that message answered from the
   * table too. A duplicate never fails its group-mates.
   */
  async function appendDeduplicated(roomId: string, batch: readonly NewMessage[]): Promise<Outcome<AppendResult>[]> {
    const originals = await findOriginals(roomId, batch);
    const fresh: NewMessage[] = [];
    const firstOfKey = new Map<string, number>();
    type Plan = { readonly fresh: number } | { readonly original: MessageRecord } | { readonly sameAs: number };
    const plans = batch.map((m): Plan => {
      if (m.clientMsgId === undefined) return { fresh: fresh.push(m) - 1 };
      const key = idempotencyKey(m.authorKey, m.clientMsgId);
      const original = originals.get(key);
      if (original) return { original };
      const earlier = firstOfKey.get(key);
      if (earlier !== undefined) return { sameAs: earlier };
      firstOfKey.set(key, fresh.length);
      return { fresh: fresh.push(m) - 1 };
    });
    let written: Outcome<AppendResult>[] = [];
    try {
      if (fresh.length > 0) written = await appendOrSplit(roomId, fresh);
    } catch (error) {
      // A group of one is not split: its key conflict comes back as the group's failure.
      if (fresh.length !== 1 || !isKeyConflict({ ok: false, error })) throw error;
      written = [{ ok: false, error }];
    }
    const raced = fresh.filter((_, i) => isKeyConflict(written[i]));
    const racedOriginals = raced.length > 0 ? await findOriginals(roomId, raced) : new Map<string, MessageRecord>();
    let room = [...written].reverse().find((o) => o.ok)?.value.room;
    if (room === undefined) {
      const [row] = await query<RoomRow>(sql.getRoom, [roomId]);
      if (!row) {
        const error = new ChatError(ErrorCode.ROOM_NOT_FOUND, `No room "${roomId}".`);
        return batch.map(() => ({ ok: false, error }));
      }
      room = toRoom(row);
    }
    const duplicateOf = (message: MessageRecord): Outcome<AppendResult> => ({ ok: true, value: { message, room: room!, duplicate: true } });
    const resolved = written.map((o, i): Outcome<AppendResult> => {
      const m = fresh[i]!;
      if (!isKeyConflict(o) || m.clientMsgId === undefined) return o;
      const original = racedOriginals.get(idempotencyKey(m.authorKey, m.clientMsgId));
      return original ? duplicateOf(original) : o;
    });
    return plans.map((p): Outcome<AppendResult> => {
      if ('original' in p) return duplicateOf(p.original);
      if ('fresh' in p) return resolved[p.fresh]!;
      const first = resolved[p.sameAs]!;
      return first.ok ? duplicateOf(first.value.message) : first;
    });
  }

  /**
   * Plain groups (no clientMsgId) of several rooms in one statement. When a
   * message's data fails it (a duplicate id), the statement wrote nothing:
   * then room by room, so only the culprit's room splits further.
   */
  async function appendPlain(groups: readonly RoomGroup<NewMessage>[]): Promise<Outcome<AppendResult>[][]> {
    if (groups.length === 1) return [await appendOrSplit(groups[0]!.key, groups[0]!.items)];
    try {
      const outcomes = await appendRooms(groups);
      log('debug', 'postgres append committed', { rooms: groups.length, messages: countItems(groups) });
      return outcomes;
    } catch (e) {
      if (!isDataError(e)) {
        log('warn', 'postgres append failed', { rooms: groups.length, messages: countItems(groups), err: errText(e) });
        throw e;
      }
      return Promise.all(groups.map((g) => appendOrSplit(g.key, g.items).catch((error: unknown) => failAll<AppendResult>(g.items, error))));
    }
  }

  return async function writeGroups(groups: readonly RoomGroup<NewMessage>[]): Promise<Outcome<AppendResult>[][]> {
    const keyed = (g: RoomGroup<NewMessage>) => g.items.some((m) => m.clientMsgId !== undefined);
    // v1 sends carry no clientMsgId: all their rooms take one statement.
    const plain = groups.filter((g) => !keyed(g));
    const written = new Map<RoomGroup<NewMessage>, Outcome<AppendResult>[]>();
    await Promise.all([
      plain.length === 0
        ? undefined
        : appendPlain(plain).then(
            (outcomes) => plain.forEach((g, i) => written.set(g, outcomes[i]!)),
            (error: unknown) => plain.forEach((g) => written.set(g, failAll(g.items, error))),
          ),
      ...groups.filter(keyed).map((g) =>
        appendDeduplicated(g.key, g.items).then(
          (outcomes) => void written.set(g, outcomes),
          (error: unknown) => void written.set(g, failAll(g.items, error)),
        ),
      ),
    ]);
    return groups.map((g) => written.get(g)!);
  };
}
