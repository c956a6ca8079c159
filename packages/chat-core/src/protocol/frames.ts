import type { Member } from '../ports/presence';
import type { Request } from '../request-table';

/** The protocol name a client may send in `hello.protocol`. */
export const PROTOCOL = 'rg-chat-v1';

export const MESSAGE_TYPES = ['message', 'emote'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export interface Profile {
  readonly name: string;
  readonly avatarId: number;
}

/** Validated, normalised client requests (what core acts on); one per row of the request table. */
export type { Request };
export type RequestType = Request['type'];

/** Wire shapes the server sends (rg-chat-v1, seed 000). */
export interface WireSelf {
  clientId: string;
  name: string;
  avatarId: number;
}
export interface WireRoom {
  id: string;
  name: string;
  createdAt: number;
  messageCount: number;
  lastMessageTs: number | null;
}
export interface WireMessage {
  id: string;
  ts: number;
  authorId: string;
  name: string;
  avatarId: number;
  type: MessageType;
  text: string;
}

/** A message as connections with a negotiated feature see it (extensions contract, Message+). */
export interface WireMessagePlus extends WireMessage {
  /** The message's position in its room: 1 for the first ever stored there, never reused. */
  seq: number;
  /** Feature `reactions`, only when non-empty: each emoji's count. */
  reactions?: Record<string, number>;
}

export type ServerFrame =
  | { type: 'welcome'; protocol: typeof PROTOCOL; self: WireSelf; activeRoomId?: string; rooms: WireRoom[]; features?: string[] }
  | { type: 'room_list'; rooms: WireRoom[] }
  | {
      type: 'joined_room';
      room: { id: string; name: string; createdAt: number };
      messages: WireMessage[] | WireMessagePlus[];
      /** Only with `recovery` negotiated and `since` given (extensions contract). */
      recovered?: boolean;
      /** Only with `presence` negotiated: everyone in the room, on every instance, the joiner included. */
      members?: Member[];
    }
  | { type: 'message'; roomId: string; message: WireMessage }
  | { type: 'profile_ack'; self: WireSelf }
  | { type: 'pong'; ts: number | string }
  | { type: 'error'; code: string; message: string; requestType: string | null; clientMsgId?: string }
  // Extension frames (/work/shared/extensions.md), only to connections that negotiated their feature.
  | { type: 'history'; roomId: string; messages: WireMessagePlus[]; hasMore: boolean }
  /** `presence` only: the room's net member change since its previous frame (built once per room by presence-frames.ts). */
  | { type: 'presence'; roomId: string; joined: Member[]; left: string[]; updated: Member[] }
  /** `typing` only: another member started or stopped typing (built once per event by typing-relay.ts). */
  | { type: 'typing'; roomId: string; clientId: string; name: string; active: boolean }
  | { type: 'ack'; roomId: string; clientMsgId: string; id: string; seq: number; ts: number; duplicate?: true }
  | { type: 'room_update'; rooms: WireRoom[]; removed: string[] };
