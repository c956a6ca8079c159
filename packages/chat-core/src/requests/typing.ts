import { ChatError, ErrorCode } from '../error-codes';
import { own } from '../protocol/json-object';
import type { RequestSpec } from '../request-spec';

export interface TypingRequest {
  readonly type: 'typing';
  readonly roomId: string;
  readonly active: boolean;
}

/**
 * `typing {roomId, active}` (extensions.md, typing): relayed to the room's
 * other members that negotiated `typing`, on every instance; an
 * `active: true` at most once per 2 s per connection (see typing-relay.ts).
 * A repeat dropped by that window gives its token back: the contract makes
 * such repeats free (within TYPING_FREE_REPEATS_PER_WINDOW).
 */
export const typing: RequestSpec<TypingRequest> = {
  type: 'typing',
  feature: 'typing',
  needsHello: true,
  pipelines: false,
  decode(o, read) {
    const roomId = read.roomId(own(o, 'roomId'));
    const active = own(o, 'active');
    if (typeof active !== 'boolean') throw new ChatError(ErrorCode.INVALID_REQUEST, 'active must be true or false.');
    return { type: 'typing', roomId, active };
  },
  handle(ctx, s, r) {
    if (s.roomId !== r.roomId) throw new ChatError(ErrorCode.NOT_IN_ROOM, 'Join the room before typing in it.');
    if (ctx.typing.request(s.id, s.profile.name, r.roomId, r.active) === 'dropped-free') s.toll.refund();
  },
};
