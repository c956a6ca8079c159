import { ChatError, ErrorCode } from '../error-codes';
import type { AppendResult } from '../ports/store';
import type { MessageType } from '../protocol/frames';
import { isObject, own } from '../protocol/json-object';
import type { RequestSpec } from '../request-spec';
import type { Session } from '../session';
import { outcomeUnknown } from '../store-guard';
import { messageFrame, messageFramePlus, wantsPlus } from '../wire';

const sendMessageFrame = (s: Session, m: AppendResult['message']): void => {
  if (!s.closed) s.connection.send(wantsPlus(s.features) ? messageFramePlus(m) : messageFrame(m));
};

export interface SendMessageRequest {
  readonly type: 'send_message';
  readonly roomId: string;
  readonly messageType: MessageType;
  readonly text: string;
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
  decode(o, read) {
    const roomId = read.roomId(own(o, 'roomId'));
    const message = own(o, 'message');
    if (!isObject(message)) throw new ChatError(ErrorCode.INVALID_MESSAGE, 'message must be an object.');
    const rawType = own(message, 'type') ?? 'message';
    const messageType =
      rawType === 'message' || rawType === 'emote' ? rawType : read.field(read.schemas.messageType, rawType, ErrorCode.INVALID_MESSAGE);
    return { type: 'send_message', roomId, messageType, text: read.text(own(message, 'text')) };
  },
  async handle(ctx, s, r) {
    if (s.roomId !== r.roomId) throw new ChatError(ErrorCode.NOT_IN_ROOM, 'Join the room before sending to it.');
    const draft = {
      roomId: r.roomId,
      id: ctx.ids.messageId(),
      ts: ctx.clock.now(),
      authorId: s.id,
      name: s.profile.name,
      avatarId: s.profile.avatarId,
      type: r.messageType,
      text: r.text,
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
          if (late.ok) bus.publish({ kind: 'message', message: late.value.message, room: late.value.room });
          else if (!outcomeUnknown(late.error)) feed.echoes.release(draft.id);
        },
      );
    } catch (e) {
      if (outcomeUnknown(e)) feed.echoes.expire(draft.id);
      else feed.echoes.release(draft.id);
      throw e;
    }
    const { message, room } = result;
    // A gap fill may have published it while the append was unconfirmed.
    if (feed.echoes.confirm(draft.id) && s.roomId === message.roomId) sendMessageFrame(s, message);
    // Stored (and durable) before anyone hears of it.
    bus.publish({ kind: 'message', message, room });
    // An active typist who sent its message is no longer typing (extensions.md, typing).
    ctx.presence.sentMessage(s, message.roomId);
  },
};
