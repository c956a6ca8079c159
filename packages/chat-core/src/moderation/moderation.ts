import { CloseCode } from '../close-codes';
import { ChatError, ErrorCode } from '../error-codes';
import type { Bus, BusEvent } from '../ports/bus';
import type { Cancel, Clock } from '../ports/clock';
import type { Ids } from '../ports/ids';
import type { Log } from '../ports/log';
import type { Presence } from '../ports/presence';
import type { BanRecord, ChatStore } from '../ports/store';
import type { WireRoom } from '../protocol/frames';
import type { RoomDirectory } from '../room-directory';
import type { Session } from '../session';
import type { StoreGuard } from '../store-guard';
import { contains, parseAddress, parseNetwork, type Network } from './cidr';

/** Bans are re-read this often, so expiries apply and a lost bus event is repaired. */
export const BAN_RELOAD_MS = 30_000;
/** Longest ban, and longest reason kept (characters). */
export const MAX_BAN_MS = 365 * 24 * 3600 * 1000;
export const MAX_BAN_REASON = 200;

/** A connection in a room as a moderator sees it; `remoteAddress` only for this instance's own connections. */
export interface AdminConnection {
  readonly clientId: string;
  readonly name: string;
  readonly remoteAddress: string | null;
  readonly connectedAt: number | null;
  readonly here: boolean;
}

/**
 * What an operator can do to a running chat (issue #14, moderation). Every
 * change is stored or sent over the bus first, so it holds on every
 * instance; the caller (the admin HTTP API) authenticates and logs.
 */
export interface ChatAdmin {
  /** Every room, with `online` across instances. */
  rooms(): Array<WireRoom & { online: number }>;
  /** The room's connections on every instance (addresses only of this instance's own). */
  connections(roomId: string): AdminConnection[];
  /** Deletes any message: stored, then `message_deleted` as for its author (v1 clients see it gone on their next join). */
  deleteMessage(roomId: string, messageId: string): Promise<'deleted' | 'not_found'>;
  /** Closes the connection `clientId` wherever it is (1008, "closed by a moderator"). */
  kick(clientId: string): void;
  /** Stores a ban of `cidr` for `durationMs`; every instance refuses its upgrades (403) and closes its open sockets. INVALID_REQUEST for a bad network or duration. */
  ban(cidr: string, durationMs: number, reason: string): Promise<BanRecord>;
  /** Lifts a ban; false when there was none. */
  unban(id: string): Promise<boolean>;
  /** The bans in force. */
  bans(): BanRecord[];
  /** Deletes a room with all its messages; false when there was none. */
  deleteRoom(roomId: string): Promise<boolean>;
}

export interface ModerationDeps {
  readonly store: ChatStore;
  readonly guard: StoreGuard;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly log: Log;
  readonly presence: Presence;
  readonly directory: RoomDirectory;
  /** This instance's open sessions. */
  sessions(): Iterable<Session>;
  /** Closes one of them with `code`. */
  close(s: Session, code: number, reason: string): void;
}

export interface Moderation {
  readonly admin: ChatAdmin;
  /** The ban in force on `remoteAddress`, if any: the upgrade is refused with 403. */
  banned(remoteAddress: string): BanRecord | undefined;
  /** Bus events it acts on: `bans_changed` (re-read, close banned sockets) and `kick`. */
  onBusEvent(event: BusEvent): void;
  /** Loads the bans and re-reads them every BAN_RELOAD_MS. */
  start(): Promise<void>;
  stop(): void;
}

interface ActiveBan {
  readonly record: BanRecord;
  readonly network: Network;
}

export function createModeration(deps: ModerationDeps): Moderation {
  const { store, guard, bus, clock, ids, log } = deps;
  let bans: ActiveBan[] = [];
  let reload: Cancel | undefined;

  const inForce = () => {
    const now = clock.now();
    return bans.filter((b) => b.record.expiresAt > now);
  };

  function banned(remoteAddress: string): BanRecord | undefined {
    if (bans.length === 0) return undefined;
    const address = parseAddress(remoteAddress);
    if (address === undefined) return undefined;
    return inForce().find((b) => contains(b.network, address))?.record;
  }

  function closeBanned(): void {
    for (const s of [...deps.sessions()]) {
      const ban = banned(s.connection.remoteAddress);
      if (!ban) continue;
      log('info', 'banned address: closing', { connId: s.id, remoteAddress: s.connection.remoteAddress, banId: ban.id });
      deps.close(s, CloseCode.POLICY_VIOLATION, 'banned');
    }
  }

  async function load(): Promise<void> {
    const records = await guard('activeBans', () => store.activeBans(clock.now()));
    bans = records.flatMap((record) => {
      const network = parseNetwork(record.cidr);
      return network ? [{ record, network }] : [];
    });
    closeBanned();
  }

  const reloadQuietly = () =>
    void load().catch((e: unknown) => log('warn', 'ban list reload failed; keeping the last one', { err: String(e) }));

  const admin: ChatAdmin = {
    rooms: () => deps.directory.list().map((r) => ({ ...r, online: deps.presence.count(r.id) })),

    connections(roomId) {
      const here = new Map<string, Session>();
      for (const s of deps.sessions()) if (s.roomId === roomId) here.set(s.id, s);
      return deps.presence.members(roomId).map((m) => {
        const s = here.get(m.clientId);
        return s
          ? { clientId: m.clientId, name: m.name, remoteAddress: s.connection.remoteAddress, connectedAt: s.openedAt, here: true }
          : { clientId: m.clientId, name: m.name, remoteAddress: null, connectedAt: null, here: false };
      });
    },

    async deleteMessage(roomId, messageId) {
      const outcome = await guard('deleteMessage', () => store.deleteMessage(roomId, messageId, null));
      if (outcome.kind !== 'deleted') return 'not_found';
      const { seq, room, lastSeq } = outcome;
      bus.publish({ kind: 'message_deleted', roomId, messageId, seq, room, lastSeq });
      return 'deleted';
    },

    kick(clientId) {
      bus.publish({ kind: 'kick', clientId });
    },

    async ban(cidr, durationMs, reason) {
      const network = parseNetwork(cidr);
      if (!network) throw new ChatError(ErrorCode.INVALID_REQUEST, `"${cidr}" is not an IP address or CIDR network.`);
      if (!Number.isSafeInteger(durationMs) || durationMs < 1000 || durationMs > MAX_BAN_MS) {
        throw new ChatError(ErrorCode.INVALID_REQUEST, `A ban lasts from 1 s to ${MAX_BAN_MS / 86_400_000} days.`);
      }
      const now = clock.now();
      const record: BanRecord = { id: `ban_${ids.messageId()}`, cidr: network.cidr, reason: reason.slice(0, MAX_BAN_REASON), createdAt: now, expiresAt: now + durationMs };
      await guard('addBan', () => store.addBan(record));
      bans = [...bans, { record, network }];
      closeBanned();
      bus.publish({ kind: 'bans_changed' });
      return record;
    },

    async unban(id) {
      const lifted = await guard('liftBan', () => store.liftBan(id));
      if (!lifted) return false;
      bans = bans.filter((b) => b.record.id !== id);
      bus.publish({ kind: 'bans_changed' });
      return true;
    },

    bans: () => inForce().map((b) => b.record),

    async deleteRoom(roomId) {
      const deleted = await guard('deleteRoom', () => store.deleteRoom(roomId));
      if (deleted) bus.publish({ kind: 'room_removed', roomId });
      return deleted;
    },
  };

  return {
    admin,
    banned,
    onBusEvent(event) {
      // A resync means the bus may have lost events: a ban change among them.
      if (event.kind === 'bans_changed' || event.kind === 'resync') return reloadQuietly();
      if (event.kind !== 'kick') return;
      for (const s of deps.sessions()) {
        if (s.id !== event.clientId) continue;
        log('info', 'closed by a moderator', { connId: s.id, remoteAddress: s.connection.remoteAddress });
        deps.close(s, CloseCode.POLICY_VIOLATION, 'closed by a moderator');
      }
    },
    async start() {
      await load();
      reload = clock.every(BAN_RELOAD_MS, reloadQuietly);
    },
    stop() {
      reload?.();
      reload = undefined;
    },
  };
}
