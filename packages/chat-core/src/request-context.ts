import type { Limits } from './limits';
import type { Bus } from './ports/bus';
import type { Clock } from './ports/clock';
import type { Fanout } from './ports/fanout';
import type { Ids } from './ports/ids';
import type { ChatMetrics } from './ports/metrics';
import type { ChatStore } from './ports/store';
import type { RoomPresence } from './presence/room-presence';
import type { RoomCreateQuota } from './room-create-quota';
import type { RoomDirectory } from './room-directory';
import type { RoomEvents } from './room-events';
import type { RoomFeed } from './room-feed';
import type { RoomListPusher } from './room-list-pusher';
import type { RoomMembership } from './room-membership';
import type { StoreGuard } from './store-guard';
import type { TypingRelay } from './typing/typing-relay';

/** What a request handler may use: the server's parts, shared by every connection. */
export interface RequestContext {
  readonly store: ChatStore;
  /** Every store call goes through it: a deadline, and an honest error (see store-guard.ts). */
  readonly guard: StoreGuard;
  readonly bus: Bus;
  readonly fanout: Fanout;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly limits: Limits;
  readonly metrics: ChatMetrics;
  readonly directory: RoomDirectory;
  readonly feed: RoomFeed;
  /** Extension events (deletions, reactions) to the members that negotiated them. */
  readonly events: RoomEvents;
  readonly rooms: RoomMembership;
  /** Who holds which room-list version; answers that carry a list report to it. */
  readonly roomLists: RoomListPusher;
  /** New rooms per client address per hour. */
  readonly roomCreates: RoomCreateQuota;
  /** Members and the lists and frames that show them (extensions: presence, typing). */
  readonly presence: RoomPresence;
  readonly typing: TypingRelay;
}
