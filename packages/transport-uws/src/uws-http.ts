import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { handleHttp, type ChatServer, type Log } from '@rgchat/chat-core';

const STATUS_LINE: Record<number, string> = {
  200: '200 OK',
  400: '400 Bad Request',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

export const statusLine = (status: number): string => STATUS_LINE[status] ?? `${status} Error`;

/**
 * Answers a plain HTTP request with core's routes (`handleHttp`). The reply
 * comes after an await, so the request's data is copied first, an abort
 * handler marks the response unusable, and the write is corked.
 */
export function serveHttp(chat: ChatServer, res: HttpResponse, req: HttpRequest, closing: () => boolean, log: Log): void {
  const method = req.getCaseSensitiveMethod();
  const url = req.getUrl();
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  handleHttp(chat, method, url).then(
    (reply) => {
      if (aborted) return;
      res.cork(() => {
        res.writeStatus(statusLine(reply.status)).writeHeader('content-type', reply.contentType).writeHeader('cache-control', 'no-store');
        // While stopping, keep-alive clients are told to go (closeConnection), as the ws transport does.
        if (method === 'HEAD') res.endWithoutBody(Buffer.byteLength(reply.body), closing());
        else res.end(reply.body, closing());
      });
    },
    (err: unknown) => {
      log('error', 'http route failed', { method, url, err: String(err) });
      if (!aborted) res.cork(() => res.writeStatus(statusLine(500)).end('', true));
    },
  );
}

/** Refuses inside a uWS callback (already corked), closing the connection. */
export function refuse(res: HttpResponse, status: number): void {
  const line = statusLine(status);
  res.writeStatus(line).writeHeader('content-type', 'text/plain').end(line.slice(4), true);
}
