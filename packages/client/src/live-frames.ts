import type { Emitter } from './emitter.js';
import type { Frame } from './pending-requests.js';
import { clearTimer, setTimer, type TimerHandle } from './platform.js';
import { readMember, readStrings } from './read-frames.js';
import type { RoomView } from './room-view.js';
import type { ClientEvents, Message } from './types.js';


/**
 * What happens in the active room while the client is in it: `message`,
 * `presence`, `typing`, `message_deleted` and `reaction` frames applied to
 * its view, each change reported as an event. Typists expire on their own
 * 6 s after their last `active: true` (extensions contract), on one timer.
 */
export class LiveFrames {
  private typingTimer: TimerHandle | undefined;
  private view: RoomView | undefined;

  constructor(
    private readonly events: Emitter<ClientEvents>,
    private readonly messageOf: (v: unknown) => Message,
  ) {}

  /** Applies one of the five frames to `view` (the active room, if any). */
  apply(view: RoomView | undefined, f: Frame): void {
    this.view = view;
    const here = view !== undefined && f['roomId'] === view.room.id;
    switch (f.type) {
      case 'message': {
        if (!here) return;
        const m = this.messageOf(f['message']);
        // The server ends a typist's indicator when it sends; so does the view, without waiting for the relay.
        if (view.typing(m.authorId, m.name, false, Date.now())) this.events.emit('typing', view.typists(Date.now()));
        for (const fresh of view.add([m])) this.events.emit('message', fresh, view.room.id);
        return;
      }
      case 'presence': {
        if (!here) return;
        const list = (v: unknown) => (Array.isArray(v) ? v.map(readMember) : []);
        view.presence(list(f['joined']), readStrings(f['left']), list(f['updated']));
        this.events.emit('presence', view.members);
        return;
      }
      case 'typing': {
        const now = Date.now();
        if (!here || !view.typing(String(f['clientId']), String(f['name']), f['active'] === true, now)) return;
        this.events.emit('typing', view.typists(now));
        this.armTypingExpiry();
        return;
      }
      case 'message_deleted': {
        const e = { roomId: String(f['roomId']), messageId: String(f['messageId']), seq: Number(f['seq']) };
        if (here) view.remove(e);
        this.events.emit('deleted', e);
        return;
      }
      case 'reaction': {
        const e = {
          roomId: String(f['roomId']),
          messageId: String(f['messageId']),
          emoji: String(f['emoji']),
          count: Number(f['count']),
          clientId: String(f['clientId']),
          on: f['on'] === true,
        };
        if (here) view.react(e);
        this.events.emit('reaction', e);
        return;
      }
    }
  }

  /** Stops the typists' expiry timer (the client closed). */
  stop(): void {
    clearTimer(this.typingTimer);
    this.typingTimer = undefined;
  }

  private armTypingExpiry(): void {
    clearTimer(this.typingTimer);
    const next = this.view?.nextTypistExpiry();
    if (next === undefined) return;
    this.typingTimer = setTimer(() => {
      const now = Date.now();
      if (this.view?.expireTypists(now)) this.events.emit('typing', this.view.typists(now));
      this.armTypingExpiry();
    }, Math.max(0, next - Date.now()) + 5);
  }
}
