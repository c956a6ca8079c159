import type { BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import { ChatRequestError } from './errors.js';
import { Outbox } from './outbox.js';
import { PendingRequests, type Frame } from './pending-requests.js';
import { platformWebSocket, randomId } from './platform.js';
import { RoomList } from './room-list.js';
import { RoomView } from './room-view.js';
import { LiveFrames } from './live-frames.js';
import { ReconnectingSocket } from './reconnecting-socket.js';
import type { WebSocketClass } from './socket.js';
import { pickCreatedRoom } from './created-room.js';
import { readMember, readMessage, readRoom, readRooms, readSelf, readStrings } from './read-frames.js';
import {
  FEATURES,
  type ClientEvents,
  type ClientState,
  type Feature,
  type HistoryPage,
  type Member,
  type Message,
  type Profile,
  type Room,
  type RoomView as RoomViewData,
  type Self,
  type SendReceipt,
  type Typist,
} from './types.js';

export interface ConnectOptions {
  /** The server's WebSocket URL, e.g. `ws://localhost:8080/`. */
  readonly url: string;
  readonly profile: Profile;
  /** Identifies the author across reconnects and reloads (keep it, e.g. in localStorage); default random per client. */
  readonly sessionId?: string;
  /** Extensions to ask for; default all. The server's `welcome` says which it enabled (`features`). */
  readonly features?: readonly Feature[];
  /** The WebSocket class; default `globalThis.WebSocket` (browsers, Node 22+). On Node 20 pass `ws`. */
  readonly WebSocket?: WebSocketClass;
  /** A room to enter on connect (`hello.resumeRoomId`). */
  readonly roomId?: string;
  /** With `roomId`: the last `seq` already held of it, so only newer messages come (e.g. after a reload). */
  readonly since?: number;
  /** Reconnect delays, or `false` to stay closed after the first drop. */
  readonly reconnect?: BackoffOptions | false;
  /** How long a request may wait for its answer while connected (default 15,000 ms). */
  readonly requestTimeoutMs?: number;
  /** Silence after which the connection is presumed dead and replaced (default 45,000 ms; a `ping` goes out at a third of it). */
  readonly idleTimeoutMs?: number;
}

/** The server relays at most one `typing active:true` per 2 s per connection; sending more only costs rate limit. */
const TYPING_RESEND_MS = 2_000;

/** A connected chat client: see `connect`. */
export class ChatClient {
  private readonly events = new Emitter<ClientEvents>();
  private readonly roomList = new RoomList();
  private readonly pending: PendingRequests;
  private readonly outbox: Outbox;
  private readonly link: ReconnectingSocket;
  private readonly live: LiveFrames;
  private readonly sessionId: string;
  private currentState: ClientState = 'connecting';
  private selfNow: Self | undefined;
  private profile: Profile;
  private negotiated = new Set<string>();
  private view: RoomView | undefined;
  /** The room to be in: the active one, or the one a join or reconnect is entering. */
  private targetRoomId: string | undefined;
  private targetSince: number | undefined;
  private expectResumeJoin = false;
  private typingSentAt = 0;
  private localSeq = 0;
  private roomFrameTaps = new Set<(rooms: readonly Room[]) => void>();
  private resolveReady!: (self: Self) => void;
  private rejectReady!: (e: ChatRequestError) => void;

  /** Resolves with this connection's identity on the first `welcome`; rejects if the client closes first. */
  readonly ready: Promise<Self>;

  constructor(private readonly options: ConnectOptions) {
    const impl = options.WebSocket ?? platformWebSocket();
    if (!impl) throw new TypeError('No WebSocket implementation: pass one as options.WebSocket (on Node 20, the `ws` package).');
    this.sessionId = options.sessionId ?? randomId(24);
    this.profile = options.profile;
    this.targetRoomId = options.roomId;
    this.targetSince = options.roomId !== undefined ? options.since : undefined;
    const write = (f: Frame) => this.write(f);
    this.pending = new PendingRequests(options.requestTimeoutMs ?? 15_000, write);
    this.outbox = new Outbox(write);
    this.ready = new Promise<Self>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => undefined);
    this.live = new LiveFrames(this.events, (v) => this.messageOf(v));
    this.link = new ReconnectingSocket(
      { url: options.url, WebSocket: impl, reconnect: options.reconnect, idleTimeoutMs: options.idleTimeoutMs ?? 45_000 },
      {
        hello: () => this.hello(),
        frame: (f) => this.onFrame(f),
        dropped: () => {
          // Requests and sends wait for the next socket's welcome.
          this.pending.pause();
          this.setState('reconnecting');
        },
        ended: (error) => this.shutDown(error),
      },
    );
  }

  get state(): ClientState {
    return this.currentState;
  }
  get self(): Self | undefined {
    return this.selfNow;
  }
  get rooms(): readonly Room[] {
    return this.roomList.rooms;
  }
  /** The features the server enabled for this connection. */
  get features(): readonly string[] {
    return [...this.negotiated];
  }
  get roomId(): string | undefined {
    return this.view?.room.id;
  }
  get messages(): readonly Message[] {
    return this.view?.messages ?? [];
  }
  get members(): readonly Member[] {
    return this.view?.members ?? [];
  }
  get typists(): readonly Typist[] {
    return this.view?.typists(Date.now()) ?? [];
  }
  /** Sends made and not yet stored (they are re-sent after a reconnect). */
  get unsent(): number {
    return this.outbox.size;
  }

  on<K extends keyof ClientEvents>(event: K, handler: (...args: ClientEvents[K]) => void): () => void {
    return this.events.on(event, handler);
  }

  createRoom(name: string): Promise<Room> {
    let seen: Array<readonly Room[]> = [];
    const tap = (rooms: readonly Room[]) => void seen.push(rooms);
    this.roomFrameTaps.add(tap);
    const p = this.pending.add(
      {
        frame: { type: 'create_room', name },
        // The answer (`room_list`, or `room_update` with `rooms`) looks like a
        // push; a barrier `ping` brackets it and the room is picked by name.
        settle: () => {
          const room = pickCreatedRoom(name, seen);
          if (!room) throw new ChatRequestError({ code: 'ROOM_NOT_FOUND', message: `The server did not list room "${name}".`, requestType: 'create_room' });
          return room;
        },
      },
      this.isOpen,
    );
    const untap = () => {
      this.roomFrameTaps.delete(tap);
      seen = [];
    };
    p.then(untap, untap);
    return p;
  }

  /** Enters `roomId` (leaving the current room); resolves with its view. While disconnected, it is entered on reconnect. */
  join(roomId: string): Promise<RoomViewData> {
    this.targetRoomId = roomId;
    this.targetSince = undefined;
    return this.pending.add(
      {
        frame: { type: 'join_room', roomId },
        answer: 'joined_room',
        settle: () => this.snapshot(),
      },
      this.isOpen,
    );
  }

  /**
   * Posts `text` to the active room; resolves once it is stored, with its id
   * and seq. Made while disconnected, it is sent after the reconnect; sent
   * again after a drop, it is stored once (its clientMsgId).
   */
  send(text: string, opts: { emote?: boolean } = {}): Promise<SendReceipt> {
    const roomId = this.targetRoomId ?? this.view?.room.id;
    if (roomId === undefined) return Promise.reject(new ChatRequestError({ code: 'NOT_IN_ROOM', message: 'Join a room first.', requestType: 'send_message' }));
    if (this.currentState === 'closed') return Promise.reject(closedError());
    if (this.selfNow && !this.negotiated.has('acks')) {
      return Promise.reject(new ChatRequestError({ code: 'NOT_NEGOTIATED', message: 'The server did not enable acks.', requestType: 'send_message' }));
    }
    this.typingSentAt = 0;
    return this.outbox.add(roomId, text, opts.emote ? 'emote' : 'message', this.isOpen);
  }

  /** A page of history (feature `history`); pages before the oldest held message are also added to `messages`. */
  history(opts: { before?: number; after?: number; limit?: number; roomId?: string } = {}): Promise<HistoryPage> {
    const roomId = opts.roomId ?? this.view?.room.id;
    if (roomId === undefined) return Promise.reject(new ChatRequestError({ code: 'NOT_IN_ROOM', message: 'Name a room or join one.', requestType: 'get_history' }));
    const frame: Record<string, unknown> = { type: 'get_history', roomId };
    if (opts.before !== undefined) frame['before'] = opts.before;
    if (opts.after !== undefined) frame['after'] = opts.after;
    if (opts.limit !== undefined) frame['limit'] = opts.limit;
    return this.pending.add(
      {
        frame: frame as Frame,
        answer: 'history',
        accepts: (f) => f['roomId'] === roomId,
        settle: (f) => {
          const page: HistoryPage = { roomId, messages: this.messagesOf(f!['messages']), hasMore: f!['hasMore'] === true };
          if (this.view && this.view.room.id === roomId) this.view.add(page.messages);
          return page;
        },
      },
      this.isOpen,
    );
  }

  /** Rooms whose id or name contains `q`, most recently active first (feature `rooms`). */
  listRooms(q = '', limit?: number): Promise<readonly Room[]> {
    const frame: Record<string, unknown> = { type: 'list_rooms', q };
    if (limit !== undefined) frame['limit'] = limit;
    return this.pending.add({ frame: frame as Frame, answer: 'room_list', settle: (f) => readRooms(f!['rooms']) }, this.isOpen);
  }

  setProfile(p: { name?: string; avatarId?: number }): Promise<Self> {
    const frame: Record<string, unknown> = { type: 'set_profile', name: p.name ?? this.profile.name, avatarId: p.avatarId ?? this.profile.avatarId };
    return this.pending.add({ frame: frame as Frame, answer: 'profile_ack', settle: () => this.selfNow! }, this.isOpen);
  }

  /** Says whether this user is typing in the active room (feature `typing`); repeats within 2 s are not sent. */
  typing(active: boolean): void {
    const roomId = this.view?.room.id;
    if (!this.isOpen || roomId === undefined || !this.negotiated.has('typing')) return;
    const now = Date.now();
    if (active && now - this.typingSentAt < TYPING_RESEND_MS) return;
    if (!active && this.typingSentAt === 0) return;
    this.typingSentAt = active ? now : 0;
    this.write({ type: 'typing', roomId, active });
  }

  /** Deletes one of this user's messages (feature `delete`). */
  deleteMessage(messageId: string): Promise<void> {
    const roomId = this.view?.room.id;
    if (roomId === undefined) return Promise.reject(new ChatRequestError({ code: 'NOT_IN_ROOM', message: 'Join a room first.', requestType: 'delete_message' }));
    return this.pending.add(
      {
        frame: { type: 'delete_message', roomId, messageId },
        settle: () => undefined,
        // Re-sent after a drop, a delete that had already been served finds nothing: it is done.
        tolerate: (e, resent) => resent && e.code === 'MESSAGE_NOT_FOUND',
      },
      this.isOpen,
    );
  }

  /** Adds (`on`) or removes a reaction (feature `reactions`); resolves once the server has served it. */
  react(messageId: string, emoji: string, on: boolean): Promise<void> {
    const roomId = this.view?.room.id;
    if (roomId === undefined) return Promise.reject(new ChatRequestError({ code: 'NOT_IN_ROOM', message: 'Join a room first.', requestType: 'react' }));
    return this.pending.add({ frame: { type: 'react', roomId, messageId, emoji, on }, settle: () => undefined }, this.isOpen);
  }

  /** Closes for good: pending requests and unsent messages reject with `CLOSED`. Idempotent. */
  close(): void {
    if (this.currentState === 'closed') return;
    this.shutDown();
  }

  // --- connection lifecycle ---

  private get isOpen(): boolean {
    return this.currentState === 'open' && this.link.isOpen;
  }

  private setState(s: ClientState): void {
    if (s === this.currentState) return;
    this.currentState = s;
    this.events.emit('state', s);
  }

  /** The `hello` for a new socket: this profile, the features, and the room to resume with what is held of it. */
  private hello(): Frame {
    const frame: Record<string, unknown> = {
      type: 'hello',
      protocol: 'rg-chat-v1',
      sessionId: this.sessionId,
      profile: { name: this.profile.name, avatarId: this.profile.avatarId },
      features: [...(this.options.features ?? FEATURES)],
    };
    const room = this.targetRoomId;
    if (room !== undefined) {
      frame['resumeRoomId'] = room;
      const since = this.view?.room.id === room ? this.view.lastSeq : this.targetSince;
      const recovery = (this.options.features ?? FEATURES).includes('recovery');
      if (since !== undefined && recovery) frame['since'] = since;
    }
    this.expectResumeJoin = false;
    return frame as Frame;
  }

  private shutDown(error: ChatRequestError = closedError()): void {
    this.link.close();
    this.live.stop();
    this.setState('closed');
    this.rejectReady(error);
    this.pending.failAll(error);
    this.outbox.failAll(error);
  }

  private write(f: Frame | Record<string, unknown>): boolean {
    return this.currentState === 'open' && this.link.write(f);
  }

  // --- incoming frames ---

  private onFrame(f: Frame): void {
    switch (f.type) {
      case 'welcome':
        return this.onWelcome(f);
      case 'joined_room':
        this.onJoined(f);
        break;
      case 'message':
      case 'presence':
      case 'typing':
      case 'message_deleted':
      case 'reaction':
        return this.live.apply(this.view, f);
      case 'room_list':
        // With `rooms` a room_list only answers list_rooms (a search), never the whole list.
        if (!this.negotiated.has('rooms')) this.setRooms(readRooms(f['rooms']));
        this.tapRooms(readRooms(f['rooms']));
        break;
      case 'room_update':
        this.tapRooms(readRooms(f['rooms']));
        this.roomList.update(readRooms(f['rooms']), readStrings(f['removed']));
        this.events.emit('rooms', this.roomList.rooms);
        return;
      case 'profile_ack':
        this.selfNow = readSelf(f['self']);
        this.profile = { name: this.selfNow.name, avatarId: this.selfNow.avatarId };
        this.events.emit('self', this.selfNow);
        break;
      case 'ack':
      case 'error':
        if (this.outbox.receive(f)) return;
        break;
    }
    if (this.pending.receive(f)) return;
    if (f.type === 'error') {
      const e = { code: String(f['code']), message: String(f['message'] ?? '') };
      this.events.emit('error', typeof f['requestType'] === 'string' ? { ...e, requestType: f['requestType'] } : e);
    }
  }

  private onWelcome(f: Frame): void {
    this.selfNow = readSelf(f['self']);
    this.profile = { name: this.selfNow.name, avatarId: this.selfNow.avatarId };
    this.negotiated = new Set(readStrings(f['features']));
    this.setRooms(readRooms(f['rooms']));
    const resumed = typeof f['activeRoomId'] === 'string' ? f['activeRoomId'] : undefined;
    this.expectResumeJoin = resumed !== undefined;
    if (this.targetRoomId !== undefined && resumed === undefined) {
      // The room to resume is gone (or the server could not enter it): say so, stay in no room.
      this.events.emit('error', { code: 'ROOM_NOT_FOUND', message: `Could not re-enter room "${this.targetRoomId}".`, requestType: 'hello' });
      this.targetRoomId = undefined;
      this.view = undefined;
    }
    this.link.greeted();
    this.setState('open');
    this.events.emit('self', this.selfNow);
    this.resolveReady(this.selfNow);
    // Requests and sends waiting across the drop go out now: the server runs
    // them after the hello (and its resume join), in order.
    this.pending.resend();
    this.outbox.resend();
  }

  private onJoined(f: Frame): void {
    const room = readRoom(f['room']);
    const messages = this.messagesOf(f['messages']);
    const members = Array.isArray(f['members']) ? f['members'].map(readMember) : [];
    const resume = this.expectResumeJoin;
    this.expectResumeJoin = false;
    if (resume && f['recovered'] === true && this.view && this.view.room.id === room.id) {
      // Exact recovery: the snapshot is exactly what was missed; live messages follow.
      this.view.room = room;
      this.view.presence(members, this.view.members.map((m) => m.clientId).filter((id) => !members.some((m) => m.clientId === id)), []);
      for (const m of this.view.add(messages)) this.events.emit('message', m, room.id);
      this.events.emit('presence', this.view.members);
    } else {
      this.view = new RoomView(room, messages, members);
      this.events.emit('room', this.snapshot());
    }
    this.targetRoomId = room.id;
    this.targetSince = undefined;
  }

  private setRooms(rooms: readonly Room[]): void {
    this.roomList.replace(rooms);
    this.events.emit('rooms', this.roomList.rooms);
  }

  private tapRooms(rooms: readonly Room[]): void {
    for (const tap of this.roomFrameTaps) tap(rooms);
  }

  private snapshot(): RoomViewData {
    const v = this.view!;
    return { room: v.room, messages: [...v.messages], members: v.members };
  }

  /** Messages of a frame; a plain v1 connection (no features enabled) gets local `seq` numbers. */
  private messagesOf(v: unknown): Message[] {
    return Array.isArray(v) ? v.map((m) => this.messageOf(m)) : [];
  }

  private messageOf(v: unknown): Message {
    return readMessage(v, () => ++this.localSeq);
  }
}

/** Opens a client; see `ConnectOptions`. It reconnects by itself until `close()`. */
export function connect(options: ConnectOptions): ChatClient {
  return new ChatClient(options);
}

const closedError = () => new ChatRequestError({ code: 'CLOSED', message: 'The client was closed.' });

