import type { ChatServer } from '../chat-server-contract';
import { parseRoomQuery } from '../room-search';

export interface HttpReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

const json = (status: number, value: unknown): HttpReply => ({
  status,
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify(value),
});

/**
 * The plain-HTTP side, written once for every transport: `GET /healthz`
 * (200 when the store answers in time, 503 otherwise) and `GET /api/rooms`
 * (one page of the live room list: `limit` 1..200, default 50; `cursor`, the
 * previous page's `nextCursor`; `q`, a case-insensitive substring of id or
 * name; a bad one is 400 `{"error":"INVALID_REQUEST"}`). Anything else is
 * 404, or 405 for a known path with another method.
 */
export async function handleHttp(chat: ChatServer, method: string, url: string): Promise<HttpReply> {
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  if (path !== '/healthz' && path !== '/api/rooms') return json(404, { error: 'not found' });
  if (method !== 'GET' && method !== 'HEAD') return json(405, { error: 'method not allowed' });
  if (path === '/api/rooms') {
    const query = parseRoomQuery(queryAt < 0 ? '' : url.slice(queryAt + 1));
    return query ? json(200, chat.searchRooms(query)) : json(400, { error: 'INVALID_REQUEST' });
  }
  try {
    await chat.check();
    return json(200, { status: 'ok', connections: chat.connectionCount });
  } catch {
    return json(503, { status: 'unavailable', store: 'failing' });
  }
}
