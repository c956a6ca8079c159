import type { WireMessage, WireRoom } from './protocol/frames';
import type { MessageRecord, RoomRecord } from './ports/store';

// Records carry store-only fields (seq, roomId); the wire gets exactly rg-chat-v1's.

export const toWireMessage = (m: MessageRecord): WireMessage => ({
  id: m.id,
  ts: m.ts,
  authorId: m.authorId,
  name: m.name,
  avatarId: m.avatarId,
  type: m.type,
  text: m.text,
});

export const toWireRoom = (r: RoomRecord): WireRoom => ({
  id: r.id,
  name: r.name,
  createdAt: r.createdAt,
  messageCount: r.messageCount,
  lastMessageTs: r.lastMessageTs,
});

/** Topic of a room's live messages; room ids are slugs, so no room can be named like the room-list topic. */
export const roomTopic = (roomId: string): string => `room:${roomId}`;
export const ROOM_LIST_TOPIC = '#rooms';
