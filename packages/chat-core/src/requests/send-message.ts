import { ChatError, ErrorCode, withClientMsgId } from '../error-codes';
import type { AppendResult, NewMessage } from '../ports/store';
import type { MessageType } from '../protocol/frames';
import { isObject, own } from '../protocol/json-object';
import type { RequestContext } from '../request-context';
import type { RequestSpec } from '../request-spec';
import type { Session } from '../session';
import { outcomeUnknown } from '../store-guard';
import { messageFrame, messageFramePlus, wantsPlus } from '../wire';
import { ackFrame, readClientMsgId } from './acks';

const sendMessageFrame = (s: Session, m: AppendResult['message']): void => {
  if (s.closed) return;
  s.connection.send(wantsPlus(s.features) ? messageFramePlus(m) : messageFrame(m));
  // The sender's own copy: held out of the room's broadcast (echo-holds.ts), so counted here.
  s.metrics.messagesDelivered(1);
};

export interface SendMessageRequest {
  readonly type: 'send_message';
  readonly roomId: string;
  readonly messageType: MessageType;
  readonly text: string;
  /** The idempotency key (`acks`); read only where that feature was negotiated. */
  readonly clientMsgId: string | undefined;
}

/**
 * `send_message` to the room the connection is in: stored (durably), then
 * published on the bus; the room feed broadcasts it in `seq` order. Sends
 * pipeline: a burst reaches the store at once and shares one group commit.
 * Answered STORE_TIMEOUT when the store does not confirm in time; a message
 * stored after that reaches everyone but its sender live (see echo-holds.ts).
 */
export const sendMessage: RequestSpec<SendMessageRequest> = {
  type: 'send_message',
  feature: undefined,
  needsHello: true,
  pipelines: true,
  decode(o, read, features) {
    // First, so that any other field's error carries it (extensions: acks).
    const clientMsgId = features.has('acks') ? readClientMsgId(own(o, 'clientMsgId')) : undefined;
    try {
      const roomId = read.roomId(own(o, 'roomId'));
      const message = own(o, 'message');
      if (!isObject(message)) throw new ChatError(ErrorCode.INVALID_MESSAGE, 'message must be an object.');
      const rawType = own(message, 'type') ?? 'message';
      const messageType =
        rawType === 'message' || rawType === 'emote' ? rawType : read.field(read.schemas.messageType, rawType, ErrorCode.INVALID_MESSAGE);
      return { type: 'send_message', roomId, messageType, text: read.text(own(message, 'text')), clientMsgId };
    } catch (e) {
      throw withClientMsgId(e, clientMsgId);
    }
  },
  async handle(ctx, s, r) {
    try {
      await append(ctx, s, r);
    } catch (e) {
      throw withClientMsgId(e, r.clientMsgId);
    }
  },
};

async function append(ctx: RequestContext, s: Session, r: SendMessageRequest): Promise<void> {
  if (s.roomId !== r.roomId) throw new ChatError(ErrorCode.NOT_IN_ROOM, 'Join the room before sending to it.');
  const draft: NewMessage = {
    roomId: r.roomId,
    id: ctx.ids.messageId(),
    ts: ctx.clock.now(),
    authorId: s.id,
    name: s.profile.name,
    avatarId: s.profile.avatarId,
    type: r.messageType,
    text: r.text,
    // The author key is stored with every message: delete compares it.
    authorKey: s.userId,
    clientMsgId: r.clientMsgId,
  };
  const { feed, bus } = ctx;
  feed.echoes.hold(draft.id, s.connection);
  let result: AppendResult;
  try {
    result = await ctx.guard(
      'appendMessage',
      () => ctx.store.appendMessage(draft),
      (late) => {
        // Answered STORE_TIMEOUT already. Stored after all: the others get
        // it now rather than at the next gap fill (the sender is held out).
        if (late.ok && late.value.duplicate) feed.echoes.release(draft.id);
        else if (late.ok) {
          ctx.metrics.messageStored();
          bus.publish({ kind: 'message', message: late.value.message, room: late.value.room });
        } else if (!outcomeUnknown(late.error)) feed.echoes.release(draft.id);
      },
    );
  } catch (e) {
    if (outcomeUnknown(e)) feed.echoes.expire(draft.id);
    else feed.echoes.release(draft.id);
    throw e;
  }
  const { message, room } = result;
  if (result.duplicate) {
    // Stored before, by this author (any connection, any instance): answered, never broadcast again.
    feed.echoes.release(draft.id);
    if (r.clientMsgId !== undefined && !s.closed) s.connection.send(ackFrame(message, r.clientMsgId, true));
    return;
  }
  ctx.metrics.messageStored();
  // A gap fill may have published it while the append was unconfirmed.
  if (feed.echoes.confirm(draft.id) && s.roomId === message.roomId) sendMessageFrame(s, message);
  if (r.clientMsgId !== undefined && !s.closed) s.connection.send(ackFrame(message, r.clientMsgId, false));
  // Stored (and durable) before anyone hears of it.
  bus.publish({ kind: 'message', message, room });
  // An active typist who sent its message is no longer typing (extensions.md, typing). Not
  // for a duplicate: a client's automatic resend says nothing about what its user types now.
  ctx.presence.sentMessage(s, message.roomId);
}
