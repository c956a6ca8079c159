import { own } from '../protocol/json-object';
import type { RequestSpec } from '../request-spec';
import { sendFrame } from '../session-frames';

/** Longest string `ts` echoed; a longer one is dropped. */
const MAX_TS_STRING = 64;

export interface PingRequest {
  readonly type: 'ping';
  readonly ts: number | string | undefined;
}

/** `ping`: answered `pong` with the client's `ts` (a finite number or short string), else the server's time. */
export const ping: RequestSpec<PingRequest> = {
  type: 'ping',
  feature: undefined,
  needsHello: false,
  pipelines: false,
  decode(o) {
    const ts = own(o, 'ts');
    const ok = (typeof ts === 'number' && Number.isFinite(ts)) || (typeof ts === 'string' && ts.length <= MAX_TS_STRING);
    return { type: 'ping', ts: ok ? (ts as number | string) : undefined };
  },
  handle(ctx, s, r) {
    sendFrame(s, { type: 'pong', ts: r.ts ?? ctx.clock.now() });
  },
};
