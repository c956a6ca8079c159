import { decodeBusEvent, encodeBusEvent, readRoomRecord, type BusEvent, type RoomRecord } from '@rgchat/chat-core';

/**
 * NOTIFY rejects a payload of 8000 bytes or more (in the server encoding).
 * A little headroom below that, for nothing in particular but safety.
 */
export const MAX_NOTIFY_PAYLOAD_BYTES = 7900;

/**
 * What arrives on the channel: a bus event in core's codec, or (Postgres
 * only) a reference to a message too big for a NOTIFY payload, which the
 * receiver reads from the messages table instead. `instanceId` is the
 * sender's, so a bus can drop its own echoes.
 */
export type Notice =
  | { readonly k: 'event'; readonly instanceId: string; readonly event: BusEvent }
  | { readonly k: 'message-ref'; readonly instanceId: string; readonly room: RoomRecord; readonly seq: number; readonly id: string };

/**
 * The payload for `event`: core's encoding when it fits in a NOTIFY, else a
 * `message-ref` to the stored row. Throws a RangeError when not even that
 * fits (only a room name far beyond any configured limit does that), and
 * for any other event that does not fit: nothing is stored to refer to, and
 * one oversized payload would fail every notice of its statement. Core
 * splits its ephemeral events below the bus's `maxEventBytes`, so only a
 * bug gets here.
 */
export function encodeNotice(instanceId: string, event: BusEvent): string {
  const inline = encodeBusEvent(instanceId, event);
  if (Buffer.byteLength(inline, 'utf8') <= MAX_NOTIFY_PAYLOAD_BYTES) return inline;
  if (event.kind !== 'message') throw new RangeError(`bus ${event.kind} event exceeds ${MAX_NOTIFY_PAYLOAD_BYTES} bytes`);
  // Keys as core's codec writes them (i, k first), so one reader handles both.
  const ref = JSON.stringify({ i: instanceId, k: 'message-ref', room: event.room, seq: event.message.seq, id: event.message.id });
  if (Buffer.byteLength(ref, 'utf8') > MAX_NOTIFY_PAYLOAD_BYTES) {
    throw new RangeError(`bus notice for room "${event.room.id}" exceeds ${MAX_NOTIFY_PAYLOAD_BYTES} bytes even as a reference`);
  }
  return ref;
}

/** The resync notice: the sender failed to notify something, receivers re-read from the store. */
export const encodeResync = (instanceId: string): string => encodeBusEvent(instanceId, { kind: 'resync' });

/**
 * Parses a payload, or returns undefined when it is not one of ours (anyone
 * with access to the database can NOTIFY on the channel).
 */
export function decodeNotice(payload: string | undefined): Notice | undefined {
  const envelope = decodeBusEvent(payload);
  if (envelope !== undefined) return { k: 'event', instanceId: envelope.instanceId, event: envelope.event };
  // Not a core event: a reference, or garbage. Parsing a second time costs
  // nothing that matters: references are only for messages of several KB.
  if (payload === undefined) return undefined;
  let x: unknown;
  try {
    x = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof x !== 'object' || x === null) return undefined;
  const { i, k, room, seq, id } = x as Record<string, unknown>;
  const r = readRoomRecord(room);
  if (k !== 'message-ref' || typeof i !== 'string' || r === undefined || !Number.isSafeInteger(seq) || typeof id !== 'string') return undefined;
  return { k: 'message-ref', instanceId: i, room: r, seq: seq as number, id };
}
