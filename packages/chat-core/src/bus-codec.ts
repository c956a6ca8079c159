/**
 * The text form of `BusEvent`s between instances, for any bus that carries
 * strings (Postgres NOTIFY today). A transport's own limits (NOTIFY's 8000
 * bytes and what to do beyond them) are the bus adapter's business, not the
 * codec's.
 *
 * Format, kept stable because instances of two releases share a channel
 * during a rolling upgrade: a JSON object with `i` the sending instance and
 * `k` the event kind, plus the kind's fields:
 * `{"i":…,"k":"message","message":{…},"room":{…}}`, `{"i":…,"k":"room","room":{…}}`,
 * `{"i":…,"k":"room_removed","roomId":"…"}`, `{"i":…,"k":"resync"}`, for moderation
 * `{"i":…,"k":"bans_changed"}` and `{"i":…,"k":"kick","clientId":…}`, for
 * the extensions `{"i":…,"k":"message_deleted","roomId":…,"messageId":…,"seq":…,"room":{…},"lastSeq":…}` and
 * `{"i":…,"k":"reaction","roomId":…,"messageId":…,"emoji":…,"count":…,"clientId":…,"on":…}`, and the
 * ephemeral presence and typing kinds of presence/ephemeral-codec.ts. An
 * instance of an older release drops a kind it does not know.
 */
import type { BusEvent } from './ports/bus';
import { decodeEphemeral, encodeEphemeral } from './presence/ephemeral-codec';
import type { MessageRecord, RoomRecord } from './ports/store';
import { messageRecord } from './message-record';

/** A decoded payload: the event and the instance that sent it (so a bus can drop its own echoes). */
export interface BusEnvelope {
  readonly instanceId: string;
  readonly event: BusEvent;
}

/** `event` from `instanceId` as one string; `decodeBusEvent` turns it back into an equal envelope. */
export function encodeBusEvent(instanceId: string, event: BusEvent): string {
  switch (event.kind) {
    case 'message':
      return JSON.stringify({ i: instanceId, k: 'message', message: event.message, room: event.room });
    case 'room':
      return JSON.stringify({ i: instanceId, k: 'room', room: event.room });
    case 'room_removed':
      return JSON.stringify({ i: instanceId, k: 'room_removed', roomId: event.roomId });
    case 'resync':
      return JSON.stringify({ i: instanceId, k: 'resync' });
    case 'bans_changed':
      return JSON.stringify({ i: instanceId, k: 'bans_changed' });
    case 'kick':
      return JSON.stringify({ i: instanceId, k: 'kick', clientId: event.clientId });
    case 'message_deleted': {
      const { roomId, messageId, seq, room, lastSeq } = event;
      return JSON.stringify({ i: instanceId, k: 'message_deleted', roomId, messageId, seq, room, lastSeq });
    }
    case 'reaction': {
      const { roomId, messageId, emoji, count, clientId, on } = event;
      return JSON.stringify({ i: instanceId, k: 'reaction', roomId, messageId, emoji, count, clientId, on });
    }
    default:
      // Presence and typing (extensions.md): see ephemeral-codec.ts.
      return encodeEphemeral(instanceId, event);
  }
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);

/**
 * `x` as a `RoomRecord` when it has every field with the right type, else
 * undefined. Rebuilt field by field, so extra fields never reach core.
 */
export function readRoomRecord(x: unknown): RoomRecord | undefined {
  if (
    !isObject(x) ||
    typeof x.id !== 'string' ||
    typeof x.name !== 'string' ||
    !isInt(x.createdAt) ||
    !isInt(x.messageCount) ||
    !(x.lastMessageTs === null || isInt(x.lastMessageTs))
  ) {
    return undefined;
  }
  return { id: x.id, name: x.name, createdAt: x.createdAt, messageCount: x.messageCount, lastMessageTs: x.lastMessageTs };
}

/** `x` as a `MessageRecord` when it has every field with the right type, else undefined; rebuilt like `readRoomRecord`. */
export function readMessageRecord(x: unknown): MessageRecord | undefined {
  if (
    !isObject(x) ||
    typeof x.roomId !== 'string' ||
    !isInt(x.seq) ||
    typeof x.id !== 'string' ||
    !isInt(x.ts) ||
    typeof x.authorId !== 'string' ||
    typeof x.name !== 'string' ||
    !isInt(x.avatarId) ||
    !(x.type === 'message' || x.type === 'emote') ||
    typeof x.text !== 'string'
  ) {
    return undefined;
  }
  return messageRecord(x.roomId, x.seq, x.id, x.ts, x.authorId, x.name, x.avatarId, x.type, x.text);
}

/**
 * Parses a payload, or returns undefined when it is not a well-formed event
 * of a kind this codec knows: anyone who can reach the channel can write to
 * it, so every shape is checked here and a bad payload is dropped instead of
 * breaking core. Never throws.
 */
export function decodeBusEvent(payload: string | undefined): BusEnvelope | undefined {
  if (payload === undefined) return undefined;
  let x: unknown;
  try {
    x = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!isObject(x) || typeof x.i !== 'string') return undefined;
  const instanceId = x.i;
  switch (x.k) {
    case 'message': {
      const message = readMessageRecord(x.message);
      const room = readRoomRecord(x.room);
      return message && room ? { instanceId, event: { kind: 'message', message, room } } : undefined;
    }
    case 'room': {
      const room = readRoomRecord(x.room);
      return room ? { instanceId, event: { kind: 'room', room } } : undefined;
    }
    case 'room_removed':
      return typeof x.roomId === 'string' ? { instanceId, event: { kind: 'room_removed', roomId: x.roomId } } : undefined;
    case 'resync':
      return { instanceId, event: { kind: 'resync' } };
    case 'bans_changed':
      return { instanceId, event: { kind: 'bans_changed' } };
    case 'kick':
      return typeof x.clientId === 'string' ? { instanceId, event: { kind: 'kick', clientId: x.clientId } } : undefined;
    case 'message_deleted': {
      const room = readRoomRecord(x.room);
      const { roomId, messageId, seq, lastSeq } = x;
      if (!room || typeof roomId !== 'string' || typeof messageId !== 'string' || !isInt(seq) || !isInt(lastSeq)) return undefined;
      return { instanceId, event: { kind: 'message_deleted', roomId, messageId, seq, room, lastSeq } };
    }
    case 'reaction': {
      const { roomId, messageId, emoji, count, clientId, on } = x;
      if (typeof roomId !== 'string' || typeof messageId !== 'string' || typeof emoji !== 'string' || typeof clientId !== 'string') return undefined;
      if (!isInt(count) || count < 0 || typeof on !== 'boolean') return undefined;
      return { instanceId, event: { kind: 'reaction', roomId, messageId, emoji, count, clientId, on } };
    }
    default: {
      const event = decodeEphemeral(x);
      return event ? { instanceId, event } : undefined;
    }
  }
}
