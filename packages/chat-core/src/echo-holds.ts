import type { Connection } from './ports/connection';

/** One connection's unconfirmed appends are capped at this many holds; the oldest goes first (its sender then gets it live). */
const MAX_HOLDS_PER_CONNECTION = 1024;

interface Hold {
  readonly sender: Connection;
  /** The feed published it while the append was unconfirmed, without the sender. */
  withheld: boolean;
  /** The sender was answered STORE_TIMEOUT: it must never get this message live. */
  expired: boolean;
}

/**
 * Which sender must not get which message live (issue #10 item 5). From the
 * moment a `send_message` reaches the store until it is confirmed, its
 * message is not published to its own sender: a message confirmed in time
 * is then echoed directly if the feed got it first (a gap fill can), and a
 * message whose sender was told STORE_TIMEOUT never reaches it live, by any
 * path; the sender sees it in history on its next join.
 */
export interface EchoHolds {
  /** The append of `messageId` by `sender` is about to reach the store. */
  hold(messageId: string, sender: Connection): void;
  /**
   * The feed is publishing `messageId`: the connection to leave out, if any.
   * A message is published once per instance, so a settled hold ends here.
   */
  skip(messageId: string): Connection | undefined;
  /**
   * The append was confirmed in time. True when the feed already published
   * it without the sender, who must then be sent it directly.
   */
  confirm(messageId: string): boolean;
  /** The sender was answered STORE_TIMEOUT: hold until the message is published (or its sender leaves the room). */
  expire(messageId: string): void;
  /** The append certainly failed: nothing will be published. */
  release(messageId: string): void;
  /** The sender left its room or closed: its holds no longer matter (history is what it sees next). */
  releaseAll(sender: Connection): void;
}

export function createEchoHolds(): EchoHolds {
  const holds = new Map<string, Hold>();
  /** Each sender's held ids, oldest first: for `releaseAll` and the cap. */
  const bySender = new Map<Connection, Set<string>>();

  function release(messageId: string): void {
    const h = holds.get(messageId);
    if (!h) return;
    holds.delete(messageId);
    // The sender's (possibly empty) set stays until it leaves the room
    // (`releaseAll`): no new Set per message on the hot path.
    bySender.get(h.sender)?.delete(messageId);
  }

  return {
    hold(messageId, sender) {
      let ids = bySender.get(sender);
      if (!ids) bySender.set(sender, (ids = new Set()));
      if (ids.size >= MAX_HOLDS_PER_CONNECTION) {
        const oldest = ids.values().next().value;
        if (oldest !== undefined) release(oldest);
      }
      holds.set(messageId, { sender, withheld: false, expired: false });
      ids.add(messageId);
    },
    skip(messageId) {
      const h = holds.get(messageId);
      if (!h) return undefined;
      if (h.expired) release(messageId);
      else h.withheld = true;
      return h.sender;
    },
    confirm(messageId) {
      const withheld = holds.get(messageId)?.withheld ?? false;
      release(messageId);
      return withheld;
    },
    expire(messageId) {
      const h = holds.get(messageId);
      if (!h) return;
      if (h.withheld) release(messageId);
      else h.expired = true;
    },
    release,
    releaseAll(sender) {
      for (const id of bySender.get(sender) ?? []) holds.delete(id);
      bySender.delete(sender);
    },
  };
}
