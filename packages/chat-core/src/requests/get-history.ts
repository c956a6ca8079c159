import { historyQuery, readHistory } from '../history';
import type { PageQuery } from '../ports/store';
import { own } from '../protocol/json-object';
import type { RequestSpec } from '../request-spec';
import { sendFrame } from '../session-frames';

export interface GetHistoryRequest {
  readonly type: 'get_history';
  readonly roomId: string;
  readonly query: PageQuery;
}

/**
 * `get_history {roomId, before?, after?, limit?}` (feature `history`): one
 * page of any room's history, joined or not, answered `history {roomId,
 * messages, hasMore}` oldest first. Its size is charged to the connection's
 * and its address's buckets like a join's history (`sendAnswer`).
 */
export const getHistory: RequestSpec<GetHistoryRequest> = {
  type: 'get_history',
  feature: 'history',
  needsHello: true,
  pipelines: false,
  decode(o, read) {
    const roomId = read.roomId(own(o, 'roomId'));
    return { type: 'get_history', roomId, query: historyQuery(own(o, 'before'), own(o, 'after'), own(o, 'limit')) };
  },
  async handle(ctx, s, r) {
    const page = await readHistory(ctx.store, ctx.guard, r.roomId, r.query, s.features.has('reactions'));
    sendFrame(s, { type: 'history', roomId: page.roomId, messages: page.messages, hasMore: page.hasMore });
  },
};
