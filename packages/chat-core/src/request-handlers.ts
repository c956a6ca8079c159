import { ChatError, ErrorCode } from './error-codes';
import type { Limits } from './limits';
import type { Bus } from './ports/bus';
import type { Clock } from './ports/clock';
import type { Fanout } from './ports/fanout';
import type { Ids } from './ports/ids';
import type { ChatStore, MessageRecord, RoomRecord } from './ports/store';
import { PROTOCOL, type Request, type ServerFrame } from './protocol/frames';
import type { RoomDirectory } from './room-directory';
import type { RoomFeed } from './room-feed';
import type { Session } from './session';
import type { StoreGuard } from './store-guard';
import { ROOM_LIST_TOPIC, toWireMessage } from './wire';

export interface HandlerDeps {
  readonly store: ChatStore;
  readonly guard: StoreGuard;
  readonly bus: Bus;
  readonly fanout: Fanout;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly limits: Limits;
  readonly directory: RoomDirectory;
  readonly feed: RoomFeed;
}

export const sendFrame = (s: Session, frame: ServerFrame): void => {
  if (!s.closed) s.connection.send(JSON.stringify(frame));
};

const selfOf = (s: Session) => ({ clientId: s.id, name: s.profile.name, avatarId: s.profile.avatarId });

/**
 * One function per rg-chat-v1 request. Each returns nothing when it finished
 * synchronously, or a promise; rejections are ChatErrors for the caller to
 * turn into `error` frames.
 */
export function createRequestHandlers(deps: HandlerDeps) {
  const { store, guard, bus, fanout, clock, ids, directory, feed } = deps;

  async function findRoom(id: string): Promise<RoomRecord> {
    // Another instance may have created it and its bus event not arrived yet.
    const room = directory.get(id) ?? (await guard('getRoom', () => store.getRoom(id)));
    if (!room) throw new ChatError(ErrorCode.ROOM_NOT_FOUND, `No room "${id}".`);
    directory.upsert(room);
    return room;
  }

  function leaveRoom(s: Session): void {
    if (s.roomId === undefined) return;
    feed.leave(s.connection, s.roomId);
    s.roomId = undefined;
  }

  /** Joins `room`; `before` runs just before `joined_room` goes out (hello sends `welcome` there). */
  async function joinRoom(s: Session, room: RoomRecord, before?: () => void): Promise<void> {
    leaveRoom(s);
    const joined = await feed.join(
      s.connection,
      room.id,
      () => !s.closed,
      (history: MessageRecord[]) => {
        s.roomId = room.id;
        before?.();
        sendFrame(s, {
          type: 'joined_room',
          room: { id: room.id, name: room.name, createdAt: room.createdAt },
          messages: history.map(toWireMessage),
        });
      },
    );
    if (!joined) s.roomId = undefined;
  }

  function welcome(s: Session, activeRoomId?: string): void {
    sendFrame(s, {
      type: 'welcome',
      protocol: PROTOCOL,
      self: selfOf(s),
      ...(activeRoomId === undefined ? {} : { activeRoomId }),
      rooms: directory.list(),
    });
  }

  const guestName = () => `guest${1000 + ids.randomInt(9000)}`;

  return {
    hello(s: Session, r: Extract<Request, { type: 'hello' }>): void | Promise<void> {
      s.profile = { name: r.name ?? guestName(), avatarId: r.avatarId ?? s.profile.avatarId };
      if (r.sessionId !== undefined) s.sessionId = r.sessionId;
      if (!s.greeted) {
        s.greeted = true;
        fanout.subscribe(s.connection, ROOM_LIST_TOPIC);
      }
      if (r.resumeRoomId === undefined) return welcome(s, s.roomId);
      const resumeId = r.resumeRoomId;
      return (async () => {
        let room: RoomRecord | undefined;
        try {
          room = await findRoom(resumeId);
        } catch (e) {
          // The seed: resume a room that exists, ignore one that does not.
          if (!(e instanceof ChatError && e.code === ErrorCode.ROOM_NOT_FOUND)) throw e;
        }
        if (!room) return welcome(s, s.roomId);
        const target = room;
        await joinRoom(s, target, () => welcome(s, target.id));
      })();
    },

    set_profile(s: Session, r: Extract<Request, { type: 'set_profile' }>): void {
      s.profile = { name: r.name ?? s.profile.name, avatarId: r.avatarId ?? s.profile.avatarId };
      sendFrame(s, { type: 'profile_ack', self: selfOf(s) });
    },

    async create_room(s: Session, r: Extract<Request, { type: 'create_room' }>): Promise<void> {
      const { room, created } = await guard('createRoom', () =>
        store.createRoom({ id: r.id, name: r.name, createdAt: clock.now() }),
      );
      if (created) bus.publish({ kind: 'room', room });
      else directory.upsert(room);
      if (!s.closed) s.connection.send(directory.listFrame());
    },

    async join_room(s: Session, r: Extract<Request, { type: 'join_room' }>): Promise<void> {
      await joinRoom(s, await findRoom(r.roomId));
    },

    async send_message(s: Session, r: Extract<Request, { type: 'send_message' }>): Promise<void> {
      if (s.roomId !== r.roomId) throw new ChatError(ErrorCode.NOT_IN_ROOM, 'Join the room before sending to it.');
      const draft = {
        roomId: r.roomId,
        id: ids.messageId(),
        ts: clock.now(),
        authorId: s.id,
        name: s.profile.name,
        avatarId: s.profile.avatarId,
        type: r.messageType,
        text: r.text,
      };
      const { message, room } = await guard('appendMessage', () => store.appendMessage(draft));
      // Stored (and durable) before anyone hears of it.
      bus.publish({ kind: 'message', message, room });
    },

    ping(s: Session, r: Extract<Request, { type: 'ping' }>): void {
      sendFrame(s, { type: 'pong', ts: r.ts ?? clock.now() });
    },

    leaveRoom,
  };
}

export type RequestHandlers = ReturnType<typeof createRequestHandlers>;
