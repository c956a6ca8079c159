import type { ChatServer } from '../chat-server-contract';
import { ErrorCode, isChatError } from '../error-codes';
import { parseHistoryParams } from '../history';
import { parseRoomQuery } from '../room-search';

import type { HttpReply, HttpRoute } from './http-route';
import type { EdgeRequest } from './upgrade-request';

const json = (status: number, value: unknown): HttpReply => ({
  status,
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify(value),
});

/** `/api/rooms/{roomId}/messages`: the id is one path segment, percent-encoded. */
const MESSAGES_PATH = /^\/api\/rooms\/([^/]+)\/messages$/;

/**
 * `GET /api/rooms/{roomId}/messages?before=&after=&limit=` (extensions
 * contract, history): the same page as `get_history`, for every client. A
 * bad cursor or limit (or id encoding) is 400 INVALID_REQUEST, an unknown
 * room 404 ROOM_NOT_FOUND, a failing store 503 STORE_UNAVAILABLE.
 */
async function roomMessages(chat: ChatServer, encodedId: string, search: string): Promise<HttpReply> {
  let roomId: string;
  try {
    roomId = decodeURIComponent(encodedId);
  } catch {
    return json(400, { error: ErrorCode.INVALID_REQUEST });
  }
  const query = parseHistoryParams(search);
  if (!query) return json(400, { error: ErrorCode.INVALID_REQUEST });
  try {
    return json(200, await chat.history(roomId, query));
  } catch (e) {
    if (isChatError(e) && e.code === ErrorCode.ROOM_NOT_FOUND) return json(404, { error: ErrorCode.ROOM_NOT_FOUND });
    if (isChatError(e)) return json(503, { error: ErrorCode.STORE_UNAVAILABLE });
    throw e;
  }
}

/**
 * The plain-HTTP side, written once for every transport: `GET /healthz`
 * (200 when the store answers in time, 503 otherwise and from the moment
 * the server starts stopping) and `GET /api/rooms`
 * (one page of the live room list: `limit` 1..200, default 50; `cursor`, the
 * previous page's `nextCursor`; `q`, a case-insensitive substring of id or
 * name; a bad one is 400 `{"error":"INVALID_REQUEST"}`) and
 * `GET /api/rooms/{roomId}/messages` (above); then the first of `routes`
 * that matches the path. Anything else is 404, or 405 for a known path of
 * core's with another method.
 */
export async function handleHttp(chat: ChatServer, request: EdgeRequest, routes: readonly HttpRoute[] = [], stopping = false): Promise<HttpReply> {
  const { method, url } = request;
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  const search = queryAt < 0 ? '' : url.slice(queryAt + 1);
  const messagesOf = MESSAGES_PATH.exec(path);
  if (path !== '/healthz' && path !== '/api/rooms' && !messagesOf) {
    const route = routes.find((r) => r.matches(path));
    return route ? route.answer(request, path, search) : json(404, { error: 'not found' });
  }
  if (method !== 'GET' && method !== 'HEAD') return json(405, { error: 'method not allowed' });
  if (messagesOf) return roomMessages(chat, messagesOf[1]!, search);
  if (path === '/api/rooms') {
    const query = parseRoomQuery(search);
    return query ? json(200, chat.searchRooms(query)) : json(400, { error: 'INVALID_REQUEST' });
  }
  // Stopping: a load balancer must stop routing here before the sockets close (rolling restarts).
  if (stopping) return json(503, { status: 'stopping', connections: chat.connectionCount });
  try {
    await chat.check();
    return json(200, { status: 'ok', connections: chat.connectionCount });
  } catch {
    return json(503, { status: 'unavailable', store: 'failing' });
  }
}
