/**
 * What the server sends and the SDK hands to apps: rg-chat-v1 plus the
 * extensions (docs/protocol.md, "Extensions"). Plain data, no behaviour.
 */

/** The extension features, in the contract's order; `connect` asks for all of them by default. */
export const FEATURES = ['history', 'recovery', 'acks', 'presence', 'typing', 'delete', 'reactions', 'rooms'] as const;
export type Feature = (typeof FEATURES)[number];

/** A display name (no spaces) and an avatar number, as the server keeps them per connection. */
export interface Profile {
  readonly name: string;
  readonly avatarId: number;
}

/** This connection as the server sees it. */
export interface Self extends Profile {
  readonly clientId: string;
}

/** A room in a room list. `online` only with the `presence` feature. */
export interface Room {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly messageCount: number;
  readonly lastMessageTs: number | null;
  readonly online?: number;
}

/** A stored message. `seq` is its never-reused position in its room; `reactions` only when non-empty. */
export interface Message {
  readonly id: string;
  readonly ts: number;
  readonly authorId: string;
  readonly name: string;
  readonly avatarId: number;
  readonly type: 'message' | 'emote';
  readonly text: string;
  readonly seq: number;
  readonly reactions?: Readonly<Record<string, number>>;
}

/** A connection in a room (`presence`); `userId` is shared by every tab of one sessionId. */
export interface Member extends Profile {
  readonly clientId: string;
  readonly userId: string;
}

/** Someone typing in the active room right now. */
export interface Typist {
  readonly clientId: string;
  readonly name: string;
}

/** The connection's state: `reconnecting` heals by itself; `closed` is final. */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** An `error` frame as the server sent it. */
export interface ServerError {
  readonly code: string;
  readonly message: string;
  readonly requestType?: string;
  readonly clientMsgId?: string;
}

/** A stored send: the server's `ack`. */
export interface SendReceipt {
  readonly roomId: string;
  readonly clientMsgId: string;
  readonly id: string;
  readonly seq: number;
  readonly ts: number;
  /** The same clientMsgId had already been stored: nothing new was posted. */
  readonly duplicate?: boolean;
}

/** A page of a room's history, oldest first. */
export interface HistoryPage {
  readonly roomId: string;
  readonly messages: readonly Message[];
  /** More messages exist beyond this page in the direction asked. */
  readonly hasMore: boolean;
}

/** The active room's whole view, as `join` answers and the `room` event reports. */
export interface RoomView {
  readonly room: Room;
  readonly messages: readonly Message[];
  readonly members: readonly Member[];
}

export interface DeletedEvent {
  readonly roomId: string;
  readonly messageId: string;
  readonly seq: number;
}

export interface ReactionEvent {
  readonly roomId: string;
  readonly messageId: string;
  readonly emoji: string;
  readonly count: number;
  readonly clientId: string;
  readonly on: boolean;
}

/** The events `on` takes, with their handlers' argument lists. */
export interface ClientEvents {
  state: [state: ClientState];
  room: [view: RoomView];
  message: [message: Message, roomId: string];
  rooms: [rooms: readonly Room[]];
  presence: [members: readonly Member[]];
  typing: [typists: readonly Typist[]];
  deleted: [event: DeletedEvent];
  reaction: [event: ReactionEvent];
  self: [self: Self];
  error: [error: ServerError];
}
