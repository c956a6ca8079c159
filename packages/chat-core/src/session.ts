import type { Heartbeat } from './heartbeat';
import type { Connection } from './ports/connection';
import type { Profile, Request } from './protocol/frames';
import type { TokenBucket } from './rate-limit';

/** Core's state for one connection. */
export interface Session {
  readonly id: string;
  readonly connection: Connection;
  readonly openedAt: number;
  readonly bucket: TokenBucket;
  readonly heartbeat: Heartbeat;
  profile: Profile;
  /** `hello` received: the client gets room lists from now on. */
  greeted: boolean;
  sessionId: string | undefined;
  /** The one room this connection is in (rg-chat-v1 allows one at a time). */
  roomId: string | undefined;
  /** Requests waiting for an earlier, asynchronous one to finish; handled in arrival order. */
  readonly queue: Request[];
  busy: boolean;
  /**
   * send_message requests handed to the store and not settled yet. They do
   * not hold up later requests: the store appends in call order, so a burst
   * from one socket shares one group commit instead of one commit each.
   */
  inflight: number;
  closed: boolean;
}
