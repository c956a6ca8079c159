import type { WireMessage, WireMessagePlus, WireRoom } from './protocol/frames';
import type { MessageRecord, ReactionCounts, RoomRecord } from './ports/store';

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

const json = JSON.stringify;

/**
 * The live `message` frame, exactly as JSON.stringify of
 * { type: 'message', roomId, message: toWireMessage(m) } writes it (a test
 * holds it to that), built by concatenation: it is the one string every
 * broadcast serialises, and skipping the intermediate objects made it about
 * a fifth cheaper (docs/benchmarks/18-micro-page-size-decode-frame.txt).
 */
export const messageFrame = (m: MessageRecord): string =>
  `{"type":"message","roomId":${json(m.roomId)},"message":{"id":${json(m.id)},"ts":${json(m.ts)},"authorId":${json(m.authorId)},"name":${json(m.name)},"avatarId":${json(m.avatarId)},"type":${json(m.type)},"text":${json(m.text)}}}`;

/**
 * A Message+ (extensions contract): the v1 message, then `seq`. What every
 * connection with at least one negotiated feature gets, in `joined_room`,
 * `message` and `history`. Key order v1 fields first, so the v1 part of the
 * text is the same; `reactions` (a later part) goes after `seq`.
 */
export const toWireMessagePlus = (m: MessageRecord, reactions?: ReactionCounts): WireMessagePlus => {
  const wire: WireMessagePlus = {
    id: m.id,
    ts: m.ts,
    authorId: m.authorId,
    name: m.name,
    avatarId: m.avatarId,
    type: m.type,
    text: m.text,
    seq: m.seq,
  };
  // Only for connections with `reactions`, and only when there are some (extensions contract).
  if (reactions !== undefined && reactions.length > 0) wire.reactions = Object.fromEntries(reactions);
  return wire;
};

/** The live `message` frame for Message+ connections: `messageFrame` with `seq`, as JSON.stringify would write it (a test holds it to that). */
export const messageFramePlus = (m: MessageRecord): string =>
  `{"type":"message","roomId":${json(m.roomId)},"message":{"id":${json(m.id)},"ts":${json(m.ts)},"authorId":${json(m.authorId)},"name":${json(m.name)},"avatarId":${json(m.avatarId)},"type":${json(m.type)},"text":${json(m.text)},"seq":${json(m.seq)}}}`;

export const toWireRoom = (r: RoomRecord): WireRoom => ({
  id: r.id,
  name: r.name,
  createdAt: r.createdAt,
  messageCount: r.messageCount,
  lastMessageTs: r.lastMessageTs,
});

/** Topic of a room's live messages; room ids are slugs, so no room can be named like the room-list topic. */
export const roomTopic = (roomId: string): string => `room:${roomId}`;

/**
 * Topic of a room's live messages as Message+, for connections that
 * negotiated a feature: each broadcast is serialised once per variant, and a
 * room without such members never builds the second one. `+` is not in a slug.
 */
export const roomPlusTopic = (roomId: string): string => `room+:${roomId}`;

/** Whether a connection with these negotiated features gets Message+ (any feature at all). */
export const wantsPlus = (features: ReadonlySet<string>): boolean => features.size > 0;
