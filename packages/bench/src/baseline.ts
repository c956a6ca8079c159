import type { us_listen_socket, WebSocket } from 'uWebSockets.js';
import { listenExclusive, loadUws } from '@rgchat/transport-uws';

export interface BaselineOptions {
  readonly port?: number;
  readonly host?: string;
  /** Bytes queued for a socket before it is closed as a slow reader; default 1 MiB, rgchat's default send budget. */
  readonly maxBackpressureBytes?: number;
  /** Largest inbound frame; default 65536, rgchat's default. */
  readonly maxPayloadBytes?: number;
  /** uWS idle timeout with automatic pings; default 120 s. */
  readonly idleTimeoutS?: number;
}

export interface BaselineServer {
  readonly port: number;
  readonly host: string;
  /** The native addon file in use. */
  readonly binaryPath: string;
  readonly connectionCount: number;
  /** Stops listening and closes every connection; idempotent. */
  close(): void;
}

interface Conn {
  id: string;
  name: string;
  avatarId: number;
  roomTopic: string | undefined;
}

interface Room {
  id: string;
  name: string;
  createdAt: number;
  messageCount: number;
  lastMessageTs: number | null;
}

const textDecoder = new TextDecoder();

/**
 * The physical reference: native uWebSockets.js pub/sub speaking the
 * rg-chat-v1 frames the bench uses (hello, create_room, join_room,
 * send_message, ping), with no persistence and no validation. Whatever
 * rgchat costs on top of this is the price of its features.
 */
export function startBaselineServer(options: BaselineOptions = {}): Promise<BaselineServer> {
  const { uws, binaryPath } = loadUws();
  const host = options.host ?? '127.0.0.1';
  const rooms = new Map<string, Room>();
  const sockets = new Set<WebSocket<Conn>>();
  let nextConn = 0;
  let nextMessage = 0;
  let listenSocket: us_listen_socket | undefined;
  let closed = false;

  const roomsJson = () => JSON.stringify([...rooms.values()]);
  const slug = (name: string) => name.trim().toLowerCase().replace(/\s+/g, '-').replace(/[^a-z0-9_-]/g, '');

  const app = uws.App();
  app.ws<Conn>('/*', {
    compression: uws.DISABLED,
    maxPayloadLength: options.maxPayloadBytes ?? 65_536,
    idleTimeout: options.idleTimeoutS ?? 120,
    maxBackpressure: options.maxBackpressureBytes ?? 1024 * 1024,
    // Typed as a number in this package's d.ts; any truthy value enables it.
    closeOnBackpressureLimit: 1,
    upgrade: (res, req, context) => {
      const conn: Conn = { id: `c${++nextConn}`, name: 'guest', avatarId: 0, roomTopic: undefined };
      res.upgrade(conn, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
    },
    open: (ws) => {
      sockets.add(ws);
    },
    message: (ws, data) => {
      // JSON.parse is the least any server must do; the ArrayBuffer dies when this returns, the string does not.
      let r: Record<string, unknown>;
      try {
        r = JSON.parse(textDecoder.decode(data)) as Record<string, unknown>;
      } catch {
        return;
      }
      const conn = ws.getUserData();
      switch (r['type']) {
        case 'send_message': {
          const roomId = r['roomId'] as string;
          const m = r['message'] as { type: string; text: string } | undefined;
          if (!m) return;
          const ts = Date.now();
          const room = rooms.get(roomId);
          if (room) {
            room.messageCount++;
            room.lastMessageTs = ts;
          }
          const frame = JSON.stringify({
            type: 'message',
            roomId,
            message: { id: `m${++nextMessage}`, ts, authorId: conn.id, name: conn.name, avatarId: conn.avatarId, type: m.type, text: m.text },
          });
          // app.publish reaches the sender too, as rgchat's broadcast does.
          app.publish(`room:${roomId}`, frame, false, false);
          return;
        }
        case 'hello': {
          const profile = (r['profile'] ?? {}) as { name?: string; avatarId?: number };
          conn.name = profile.name ?? 'guest';
          conn.avatarId = profile.avatarId ?? 0;
          ws.send(`{"type":"welcome","protocol":"rg-chat-v1","self":${JSON.stringify({ clientId: conn.id, name: conn.name, avatarId: conn.avatarId })},"rooms":${roomsJson()}}`);
          return;
        }
        case 'create_room': {
          const name = String(r['name']);
          const id = slug(name);
          if (!rooms.has(id)) rooms.set(id, { id, name, createdAt: Date.now(), messageCount: 0, lastMessageTs: null });
          ws.send(`{"type":"room_list","rooms":${roomsJson()}}`);
          return;
        }
        case 'join_room': {
          const roomId = String(r['roomId']);
          const room = rooms.get(roomId) ?? { id: roomId, name: roomId, createdAt: Date.now() };
          if (conn.roomTopic) ws.unsubscribe(conn.roomTopic);
          conn.roomTopic = `room:${roomId}`;
          ws.subscribe(conn.roomTopic);
          ws.send(JSON.stringify({ type: 'joined_room', room: { id: room.id, name: room.name, createdAt: room.createdAt }, messages: [] }));
          return;
        }
        case 'ping':
          ws.send(JSON.stringify({ type: 'pong', ts: r['ts'] ?? Date.now() }));
          return;
        default:
          return;
      }
    },
    close: (ws) => {
      sockets.delete(ws);
    },
  });

  return new Promise((resolve, reject) => {
    listenExclusive(app, host, options.port ?? 8080, (ls) => {
      if (!ls) return reject(new Error(`baseline: cannot listen on ${host}:${options.port ?? 8080}`));
      listenSocket = ls;
      resolve({
        port: uws.us_socket_local_port(ls as unknown as Parameters<typeof uws.us_socket_local_port>[0]),
        host,
        binaryPath,
        get connectionCount() {
          return sockets.size;
        },
        close() {
          if (closed) return;
          closed = true;
          if (listenSocket) uws.us_listen_socket_close(listenSocket);
          listenSocket = undefined;
          for (const ws of [...sockets]) ws.close();
          sockets.clear();
        },
      });
    });
  });
}
