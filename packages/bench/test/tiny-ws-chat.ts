import { WebSocketServer, type WebSocket } from 'ws';

/** A minimal in-memory rg-chat-v1 server on ws with history, for exercising the join mode. */
export interface TinyChat {
  readonly port: number;
  /** The `clientMsgId` of every send_message received, in order (undefined where absent). */
  readonly clientMsgIds: (string | undefined)[];
  close(): Promise<void>;
}

export async function startTinyChat(): Promise<TinyChat> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('error', () => undefined);
  const rooms = new Map<string, { name: string; createdAt: number; history: object[]; members: Set<WebSocket> }>();
  let seq = 0;
  const clientMsgIds: (string | undefined)[] = [];
  const list = () => [...rooms].map(([id, r]) => ({ id, name: r.name, createdAt: r.createdAt, messageCount: r.history.length, lastMessageTs: null }));
  wss.on('connection', (ws) => {
    ws.on('error', () => undefined);
    const self = { clientId: `c${++seq}`, name: 'guest', avatarId: 0 };
    let joined: string | undefined;
    ws.on('close', () => {
      if (joined) rooms.get(joined)?.members.delete(ws);
    });
    ws.on('message', (data) => {
      const r = JSON.parse(String(data)) as Record<string, any>;
      switch (r['type']) {
        case 'hello':
          return ws.send(JSON.stringify({ type: 'welcome', protocol: 'rg-chat-v1', self, rooms: list() }));
        case 'create_room': {
          const id = String(r['name']).toLowerCase();
          if (!rooms.has(id)) rooms.set(id, { name: r['name'], createdAt: Date.now(), history: [], members: new Set() });
          return ws.send(JSON.stringify({ type: 'room_list', rooms: list() }));
        }
        case 'join_room': {
          const room = rooms.get(r['roomId']);
          if (!room) return ws.send(JSON.stringify({ type: 'error', code: 'ROOM_NOT_FOUND', message: 'no', requestType: 'join_room' }));
          if (joined) rooms.get(joined)?.members.delete(ws);
          joined = r['roomId'];
          room.members.add(ws);
          return ws.send(JSON.stringify({ type: 'joined_room', room: { id: joined, name: room.name, createdAt: room.createdAt }, messages: room.history.slice(-500) }));
        }
        case 'send_message': {
          clientMsgIds.push(r['clientMsgId']);
          const room = rooms.get(r['roomId']);
          if (!room || joined !== r['roomId']) return ws.send(JSON.stringify({ type: 'error', code: 'NOT_IN_ROOM', message: 'no', requestType: 'send_message' }));
          const message = { id: `m${++seq}`, ts: Date.now(), authorId: self.clientId, name: self.name, avatarId: 0, type: 'message', text: r['message'].text };
          room.history.push(message);
          const frame = JSON.stringify({ type: 'message', roomId: joined, message });
          for (const m of room.members) m.send(frame);
          return;
        }
        default:
          return ws.send(JSON.stringify({ type: 'error', code: 'UNKNOWN_TYPE', message: 'no', requestType: r['type'] ?? null }));
      }
    });
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  return {
    port: (wss.address() as { port: number }).port,
    clientMsgIds,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
