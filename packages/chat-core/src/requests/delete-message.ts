import { ChatError, ErrorCode } from '../error-codes';
import type { DeleteOutcome } from '../ports/store';
import { own } from '../protocol/json-object';
import type { RequestContext } from '../request-context';
import type { RequestSpec } from '../request-spec';

/** Longest message id accepted from a client; the ids core issues are far shorter. */
export const MAX_MESSAGE_ID_INPUT = 128;

/** A message id from a client frame; INVALID_REQUEST unless a non-empty string of at most MAX_MESSAGE_ID_INPUT. */
export function readMessageId(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_MESSAGE_ID_INPUT) {
    throw new ChatError(ErrorCode.INVALID_REQUEST, `messageId must be a string of 1-${MAX_MESSAGE_ID_INPUT} characters.`);
  }
  return value;
}

const json = JSON.stringify;

/** `message_deleted {roomId, messageId, seq}`, serialised once per deletion. */
export const messageDeletedFrame = (roomId: string, messageId: string, seq: number): string =>
  `{"type":"message_deleted","roomId":${json(roomId)},"messageId":${json(messageId)},"seq":${json(seq)}}`;

export interface DeleteMessageRequest {
  readonly type: 'delete_message';
  readonly roomId: string;
  readonly messageId: string;
}

/** Announces a stored deletion on the bus: every instance tells its members, this one included (the requester's confirmation). */
function announce(ctx: RequestContext, r: DeleteMessageRequest, outcome: DeleteOutcome): void {
  if (outcome.kind !== 'deleted') return;
  const { seq, room, lastSeq } = outcome;
  ctx.bus.publish({ kind: 'message_deleted', roomId: r.roomId, messageId: r.messageId, seq, room, lastSeq });
}

/**
 * `delete_message` (feature `delete`): the author (same userId: same
 * sessionId, or the same connection without one) deletes a message of the
 * room it is in. Stored first; then `message_deleted` reaches the room's
 * members that negotiated `delete`, on every instance. v1 members get
 * nothing and see it gone on their next join.
 */
export const deleteMessage: RequestSpec<DeleteMessageRequest> = {
  type: 'delete_message',
  feature: 'delete',
  needsHello: true,
  pipelines: false,
  decode(o, read) {
    return { type: 'delete_message', roomId: read.roomId(own(o, 'roomId')), messageId: readMessageId(own(o, 'messageId')) };
  },
  async handle(ctx, s, r) {
    if (s.roomId !== r.roomId) throw new ChatError(ErrorCode.NOT_IN_ROOM, 'Join the room before deleting in it.');
    const outcome = await ctx.guard(
      'deleteMessage',
      () => ctx.store.deleteMessage(r.roomId, r.messageId, s.userId),
      // Answered STORE_TIMEOUT already; deleted after all: everyone still hears of it.
      (late) => {
        if (late.ok) announce(ctx, r, late.value);
      },
    );
    if (outcome.kind === 'not_found') throw new ChatError(ErrorCode.MESSAGE_NOT_FOUND, `No message "${r.messageId}" in this room.`);
    if (outcome.kind === 'forbidden') throw new ChatError(ErrorCode.FORBIDDEN, 'Only its author can delete a message.');
    announce(ctx, r, outcome);
  },
};
