import { utf8Length } from '../edge/http-answer';
import { ChatError, ErrorCode } from '../error-codes';
import type { BusEvent } from '../ports/bus';
import type { ReactOutcome } from '../ports/store';
import { own } from '../protocol/json-object';
import type { RequestContext } from '../request-context';
import type { RequestSpec } from '../request-spec';
import type { Session } from '../session';
import { readMessageId } from './delete-message';

/** Distinct emoji one message may hold (extensions contract). */
export const MAX_EMOJI_PER_MESSAGE = 20;
/** Longest emoji, in UTF-8 bytes (extensions contract). */
export const MAX_EMOJI_BYTES = 32;

/**
 * Exactly one RGI emoji (Unicode's recommended-for-general-interchange set:
 * single emoji, keycaps, flags, modifier and ZWJ sequences). Node 20's V8
 * supports the `v` flag and its string properties; built with the
 * constructor because TypeScript refuses a `v` literal below target es2024.
 */
const ONE_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');

/** Whether `text` is one emoji `react` accepts. */
export const isReactionEmoji = (text: string): boolean => ONE_EMOJI.test(text) && utf8Length(text) <= MAX_EMOJI_BYTES;

export interface ReactRequest {
  readonly type: 'react';
  readonly roomId: string;
  readonly messageId: string;
  readonly emoji: string;
  readonly on: boolean;
}

type ReactionEvent = Extract<BusEvent, { kind: 'reaction' }>;

const json = JSON.stringify;

/** `reaction {roomId, messageId, emoji, count, clientId, on}`, serialised once per change. */
export const reactionFrame = (e: Omit<ReactionEvent, 'kind'>): string =>
  `{"type":"reaction","roomId":${json(e.roomId)},"messageId":${json(e.messageId)},"emoji":${json(e.emoji)},"count":${json(e.count)},"clientId":${json(e.clientId)},"on":${json(e.on)}}`;

/** Announces a stored change on the bus: every instance tells its members, this one included (the requester's confirmation). */
function announce(ctx: RequestContext, s: Session, r: ReactRequest, outcome: ReactOutcome): void {
  if (outcome.kind !== 'changed') return;
  ctx.bus.publish({ kind: 'reaction', roomId: r.roomId, messageId: r.messageId, emoji: r.emoji, count: outcome.count, clientId: s.id, on: r.on });
}

/**
 * `react` (feature `reactions`): one reaction per person (userId), message
 * and emoji, at most MAX_EMOJI_PER_MESSAGE distinct emoji per message,
 * persistent. A change is stored first, then `reaction` reaches the room's
 * members that negotiated `reactions`, on every instance; repeating a state
 * changes and sends nothing.
 */
export const react: RequestSpec<ReactRequest> = {
  type: 'react',
  feature: 'reactions',
  needsHello: true,
  pipelines: false,
  decode(o, read) {
    const roomId = read.roomId(own(o, 'roomId'));
    const messageId = readMessageId(own(o, 'messageId'));
    const emoji = own(o, 'emoji');
    if (typeof emoji !== 'string') throw new ChatError(ErrorCode.INVALID_REQUEST, 'emoji must be a string.');
    if (!isReactionEmoji(emoji)) {
      throw new ChatError(ErrorCode.INVALID_REACTION, `emoji must be exactly one emoji of at most ${MAX_EMOJI_BYTES} bytes.`);
    }
    const on = own(o, 'on');
    if (typeof on !== 'boolean') throw new ChatError(ErrorCode.INVALID_REQUEST, 'on must be true or false.');
    return { type: 'react', roomId, messageId, emoji, on };
  },
  async handle(ctx, s, r) {
    if (s.roomId !== r.roomId) throw new ChatError(ErrorCode.NOT_IN_ROOM, 'Join the room before reacting in it.');
    const change = { roomId: r.roomId, messageId: r.messageId, emoji: r.emoji, userKey: s.userId, on: r.on, ts: ctx.clock.now(), maxEmoji: MAX_EMOJI_PER_MESSAGE };
    const outcome = await ctx.guard(
      'react',
      () => ctx.store.react(change),
      // Answered STORE_TIMEOUT already; stored after all: everyone still hears of it.
      (late) => {
        if (late.ok) announce(ctx, s, r, late.value);
      },
    );
    if (outcome.kind === 'not_found') throw new ChatError(ErrorCode.MESSAGE_NOT_FOUND, `No message "${r.messageId}" in this room.`);
    if (outcome.kind === 'too_many') {
      throw new ChatError(ErrorCode.INVALID_REACTION, `A message holds at most ${MAX_EMOJI_PER_MESSAGE} different emoji.`);
    }
    announce(ctx, s, r, outcome);
  },
};
