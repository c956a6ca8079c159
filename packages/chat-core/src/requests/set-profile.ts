import { ErrorCode } from '../error-codes';
import { isObject, own } from '../protocol/json-object';
import type { RequestSpec } from '../request-spec';
import { selfOf, sendFrame } from '../session-frames';

export interface SetProfileRequest {
  readonly type: 'set_profile';
  readonly name: string | undefined;
  readonly avatarId: number | undefined;
}

/** `set_profile`: changes the given fields (an invalid one fails the request) and answers `profile_ack`. */
export const setProfile: RequestSpec<SetProfileRequest> = {
  type: 'set_profile',
  feature: undefined,
  needsHello: true,
  pipelines: false,
  decode(o, read) {
    // Flat as in the seed; a nested `profile` like hello's is accepted too.
    const nested = own(o, 'profile');
    const src = own(o, 'name') === undefined && own(o, 'avatarId') === undefined && isObject(nested) ? nested : o;
    const name = own(src, 'name');
    const avatarId = own(src, 'avatarId');
    return {
      type: 'set_profile',
      name: name === undefined ? undefined : read.field(read.schemas.name, name, ErrorCode.INVALID_NAME),
      avatarId: avatarId === undefined ? undefined : read.field(read.schemas.avatarId, avatarId, ErrorCode.INVALID_AVATAR),
    };
  },
  handle(ctx, s, r) {
    s.profile = { name: r.name ?? s.profile.name, avatarId: r.avatarId ?? s.profile.avatarId };
    // Members of its room that negotiated presence see it in their next `presence.updated`.
    ctx.presence.changed(s);
    sendFrame(s, { type: 'profile_ack', self: selfOf(s) });
  },
};
