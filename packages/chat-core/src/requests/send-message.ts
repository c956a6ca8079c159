import { ChatError, ErrorCode } from '../error-codes';
import type { MessageType } from '../protocol/frames';
import { isObject, own } from '../protocol/json-object';
import type { RequestSpec } from '../request-spec';

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
    const { message, room } = await ctx.guard('appendMessage', () => ctx.store.appendMessage(draft));
    // Stored (and durable) before anyone hears of it.
    ctx.bus.publish({ kind: 'message', message, room });
  },
};
