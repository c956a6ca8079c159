import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import {
  handleHttp,
  silentLog,
  type ChatServer,
  type Log,
  type RunningTransport,
  type Transport,
  type TransportOptions,
} from '@rgchat/chat-core';
import { createFrameEncoder } from './frame-encoder';
import { createTickBatch } from './tick-batch';
import { attachWsConnection, type WsConnectionContext } from './ws-connection';

/**
 * The `ws` transport: one node:http server with the WebSocket endpoint at `/`
 * and core's HTTP routes beside it. Protocol decisions are core's; this only
 * moves strings. Fan-out is core's default loop (`fanout: undefined`).
 */
export function createWsTransport(options: TransportOptions): Transport {
  return {
    fanout: undefined,
    start: (chat) => startWsServer(chat, options),
  };
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' };

/** Answers an upgrade or unparsable request on the raw socket, then drops it. */
function refuse(socket: Duplex, status: number): void {
  if (!socket.writable) return void socket.destroy();
  const text = STATUS_TEXT[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
    () => socket.destroy(),
  );
}

function remoteAddressOf(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const first = (Array.isArray(header) ? header[0] : header)?.split(',', 1)[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? '';
}

function serveHttp(chat: ChatServer, req: IncomingMessage, res: ServerResponse, closing: () => boolean, log: Log): void {
  const method = req.method ?? 'GET';
  handleHttp(chat, method, req.url ?? '/').then(
    (reply) => {
      res.writeHead(reply.status, {
        'content-type': reply.contentType,
        'content-length': Buffer.byteLength(reply.body),
        'cache-control': 'no-store',
        // While stopping, keep-alive clients are told to go, so close() is not held up by them.
        ...(closing() ? { connection: 'close' } : {}),
      });
      res.end(method === 'HEAD' ? undefined : reply.body);
    },
    (err: unknown) => {
      log('error', 'http route failed', { method, url: req.url, err: String(err) });
      if (!res.headersSent) res.writeHead(500, { connection: 'close' });
      res.end();
    },
  );
}

async function startWsServer(chat: ChatServer, options: TransportOptions): Promise<RunningTransport> {
  const log = options.log ?? silentLog;
  const trustProxy = options.trustProxy ?? false;
  const wss = new WebSocketServer({
    noServer: true,
    // ws defaults to 100 MiB; a larger frame closes that socket with 1009.
    maxPayload: chat.limits.maxPayloadBytes,
    perMessageDeflate: false,
    // Core tracks connections; a second registry here would only cost memory.
    clientTracking: false,
    skipUTF8Validation: false,
  });
  const ctx: WsConnectionContext = {
    sendBudgetBytes: chat.limits.sendBudgetBytes,
    log,
    defer: createTickBatch((err) => log('error', 'socket flush failed', { err: String(err) })),
    encode: createFrameEncoder(),
  };
  let closing = false;

  const server = createServer((req, res) => serveHttp(chat, req, res, () => closing, log));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // node:http drops its own socket listeners on upgrade; ws adds its own only on success.
    socket.on('error', (err) => log('debug', 'upgrade socket error', { err: err.message }));
    if (closing) return refuse(socket, 503);
    if ((req.url ?? '/').split('?', 1)[0] !== '/') return refuse(socket, 404);
    const origin = req.headers.origin;
    const remoteAddress = remoteAddressOf(req, trustProxy);
    if (!chat.acceptsOrigin(origin)) {
      log('info', 'origin refused at upgrade', { origin, remoteAddress });
      return refuse(socket, 403);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        attachWsConnection(chat, ws, socket as Socket, { remoteAddress, origin }, ctx);
      } catch (err) {
        // This runs inside the upgrade event: a throw here would take the process down.
        log('error', 'could not open connection', { remoteAddress, err: String(err) });
        ws.terminate();
      }
    });
  });
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    refuse(socket, 400);
  });
  wss.on('error', (err) => log('error', 'websocket server error', { err: err.message }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log('error', 'http server error', { err: err.message }));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  log('info', 'ws transport listening', { host: options.host, port, maxPayloadBytes: chat.limits.maxPayloadBytes });

  let stopped: Promise<void> | undefined;
  return {
    port,
    close() {
      stopped ??= new Promise<void>((resolve) => {
        closing = true;
        // Stops listening now; open WebSockets stay until core closes them (1001/1012).
        server.close();
        server.closeIdleConnections();
        wss.close();
        setImmediate(resolve);
      });
      return stopped;
    },
  };
}
