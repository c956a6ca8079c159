import type { ChatServer } from '../chat-server';

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
 * (the live room list). Anything else is 404, or 405 for a known path with
 * another method. `url` may carry a query string, which is ignored.
 */
export async function handleHttp(chat: ChatServer, method: string, url: string): Promise<HttpReply> {
  const path = url.split('?', 1)[0];
  if (path !== '/healthz' && path !== '/api/rooms') return json(404, { error: 'not found' });
  if (method !== 'GET' && method !== 'HEAD') return json(405, { error: 'method not allowed' });
  if (path === '/api/rooms') return json(200, { rooms: chat.rooms() });
  try {
    await chat.check();
    return json(200, { status: 'ok', connections: chat.connectionCount });
  } catch {
    return json(503, { status: 'unavailable', store: 'failing' });
  }
}
