import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { createTransportEdge, fragmentBounds } from '@rgchat/chat-core';
import type { ChatServer, EdgeRequest, HttpAnswer, RunningTransport, Transport, TransportOptions } from '@rgchat/chat-core';
import { createFrameEncoder } from './frame-encoder';
import { createTickBatch } from './tick-batch';
import { attachWsConnection, type WsShared } from './ws-connection';

/**
 * Default for `httpHeadersTimeoutMs`. node:http's own default (60 s, checked
 * every 30 s) let a client trickling headers hold a socket for about 75 s
 * (issue #10); a real client sends its headers in one packet.
 */
const HTTP_HEADERS_TIMEOUT_MS = 5000;
/** A whole request may take this many times the headers timeout; our routes take no body. */
const REQUEST_TIMEOUT_FACTOR = 2;

/**
 * The `ws` transport: one node:http server with the WebSocket endpoint at `/`
 * and core's HTTP routes beside it. Every decision is core's edge
 * (`createTransportEdge`); this maps node:http and ws onto it. Fan-out is
 * core's default loop (`fanout: undefined`).
 */
export function createWsTransport(options: TransportOptions): Transport {
  return { fanout: undefined, start: (chat) => startWsServer(chat, options) };
}

const edgeRequest = (req: IncomingMessage): EdgeRequest => ({
  method: req.method ?? 'GET',
  url: req.url ?? '/',
  header: (name) => req.headersDistinct[name] ?? [],
  socketAddress: req.socket.remoteAddress ?? '',
});

const headersOf = (answer: HttpAnswer): Record<string, string | number> => ({
  ...answer.headers,
  'content-length': answer.contentLengthBytes,
  ...(answer.closeConnection ? { connection: 'close' } : {}),
});

/** Writes an answer on a raw socket (refused upgrades, unparsable requests), then drops it. */
function refuse(socket: Duplex, answer: HttpAnswer): void {
  if (!socket.writable) return void socket.destroy();
  const head = Object.entries(headersOf(answer)).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(`HTTP/1.1 ${answer.status} ${answer.statusText}\r\n${head.join('')}\r\n${answer.body}`, () => socket.destroy());
}

function serveHttp(answer: HttpAnswer, res: ServerResponse): void {
  res.writeHead(answer.status, answer.statusText, headersOf(answer));
  res.end(answer.omitBody ? undefined : answer.body);
}

async function startWsServer(chat: ChatServer, options: TransportOptions): Promise<RunningTransport> {
  const edge = createTransportEdge(chat, options);
  const { log } = edge;
  const wss = new WebSocketServer({
    noServer: true,
    // ws's defaults (100 MiB, 16384 fragments, 262144 reads) let one socket pin megabytes (issue #10). Past them: 1009, 1008.
    maxPayload: chat.limits.maxPayloadBytes,
    ...fragmentBounds(chat.limits),
    perMessageDeflate: false,
    // Core tracks connections; a second registry here would only cost memory.
    clientTracking: false,
    skipUTF8Validation: false,
  });
  const shared: WsShared = {
    defer: createTickBatch((err) => log('error', 'socket flush failed', { err: String(err) })),
    encode: createFrameEncoder(),
    sendBudgetBytes: chat.limits.sendBudgetBytes,
    log,
  };
  // One listener for every upgrading socket, not a closure each (it stays for the connection's life).
  const onUpgradeSocketError = (err: Error) => log('debug', 'upgrade socket error', { err: err.message });
  const headersTimeout = options.httpHeadersTimeoutMs ?? HTTP_HEADERS_TIMEOUT_MS;
  const server = createServer(
    // node checks the timeouts every connectionsCheckingInterval ms (default 30 s, which made the 75 s).
    { headersTimeout, requestTimeout: REQUEST_TIMEOUT_FACTOR * headersTimeout, connectionsCheckingInterval: Math.min(1000, headersTimeout) },
    (req, res) => void edge.http(edgeRequest(req)).then((answer) => serveHttp(answer, res)),
  );
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // node:http drops its own socket listeners on upgrade; ws adds its own only on success.
    socket.on('error', onUpgradeSocketError);
    const verdict = edge.upgrade(edgeRequest(req));
    if (!verdict.accept) return refuse(socket, verdict.answer);
    wss.handleUpgrade(req, socket, head, (ws) => attachWsConnection(edge, ws, socket as Socket, verdict.peer, shared));
  });
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    refuse(socket, edge.badRequest);
  });
  wss.on('error', (err) => log('error', 'websocket server error', { err: err.message }));

  // Rejects with the listen error (EADDRINUSE, EACCES) if that comes first.
  await once(server.listen(options.port, options.host), 'listening');
  server.on('error', (err) => log('error', 'http server error', { err: err.message }));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  log('info', 'ws transport listening', { host: options.host, port, maxPayloadBytes: chat.limits.maxPayloadBytes });

  return edge.running(port, () => {
    // Stops listening now; open WebSockets stay until core closes them (1001/1012).
    server.close();
    server.closeIdleConnections();
    wss.close();
    return new Promise((resolve) => setImmediate(resolve));
  });
}
