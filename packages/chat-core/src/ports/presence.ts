/**
 * One connection in a room, as the extensions' presence shows it
 * (extensions.md, presence): `userId` is the same for every connection of
 * one `sessionId`, so a UI can fold several tabs into one person.
 */
export interface Member {
  readonly clientId: string;
  readonly userId: string;
  readonly name: string;
  readonly avatarId: number;
}

/** One member of one room changing: `before` undefined is a join, `after` undefined a leave, both set a profile change. */
export interface MemberChange {
  readonly roomId: string;
  readonly clientId: string;
  readonly before: Member | undefined;
  readonly after: Member | undefined;
}

/**
 * Who is in which room on every instance: this instance reports its own
 * connections' joins, leaves and profile changes, reads see every
 * instance's members, and every change (local or remote) reaches
 * subscribers synchronously as it is applied.
 */
export interface Presence {
  /** `member` (a connection of this instance) is now in `roomId`; a second call is a profile update. */
  join(roomId: string, member: Member): void;
  /** This instance's connection `clientId` left `roomId`; nothing when it was not there. */
  leave(roomId: string, clientId: string): void;
  /** The members of `roomId` on every instance, in the order they were learnt. */
  members(roomId: string): Member[];
  /** How many connections are in `roomId` on every instance (`online`). */
  count(roomId: string): number;
  subscribe(handler: (change: MemberChange) => void): () => void;
  /** Starts what runs in the background (liveness, catching up with other instances); idempotent. */
  start(): void;
  /** Says goodbye to the other instances and stops; later local changes stay local. Idempotent. */
  close(): void;
}

/** Same clientId, userId, name and avatar: nothing for a client to update. */
export const sameMember = (a: Member, b: Member): boolean =>
  a.clientId === b.clientId && a.userId === b.userId && a.name === b.name && a.avatarId === b.avatarId;
