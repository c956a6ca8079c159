import { ChatRequestError } from './errors.js';
import { clearTimer, randomId, setTimer, type TimerHandle } from './platform.js';
import type { Frame } from './pending-requests.js';
import type { SendReceipt } from './types.js';

/** Retries of a send whose outcome the server could not confirm (STORE_TIMEOUT); the same clientMsgId makes them safe. */
const MAX_UNCONFIRMED_RETRIES = 5;
const RETRY_DELAY_MS = 1_000;

interface Entry {
  readonly clientMsgId: string;
  readonly frame: Frame;
  readonly resolve: (r: SendReceipt) => void;
  readonly reject: (e: ChatRequestError) => void;
  retries: number;
  retryTimer: TimerHandle | undefined;
}

/**
 * Sends not yet acknowledged, keyed by `clientMsgId` (feature `acks`). The
 * server stores one message per (author, room, clientMsgId), so re-sending
 * an entry after a reconnect, or after a STORE_TIMEOUT, posts it at most
 * once: the answer is the original's `ack` with `duplicate: true`.
 */
export class Outbox {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly write: (frame: Frame) => boolean) {}

  get size(): number {
    return this.entries.size;
  }

  /** Queues a send; writes it now if `connected`, else at the next `resend`. */
  add(roomId: string, text: string, type: 'message' | 'emote', connected: boolean): Promise<SendReceipt> {
    const clientMsgId = `${Date.now().toString(36)}-${randomId(12)}`;
    const frame: Frame = { type: 'send_message', roomId, clientMsgId, message: { type, text } };
    return new Promise<SendReceipt>((resolve, reject) => {
      const entry: Entry = { clientMsgId, frame, resolve, reject, retries: 0, retryTimer: undefined };
      this.entries.set(clientMsgId, entry);
      if (connected) this.write(frame);
    });
  }

  /** After a reconnect: writes every unacknowledged send again, in the order they were made. */
  resend(): void {
    for (const e of this.entries.values()) {
      clearTimer(e.retryTimer);
      e.retryTimer = undefined;
      this.write(e.frame);
    }
  }

  /** Offers an `ack` or an `error` carrying a clientMsgId; true when it was one of ours. */
  receive(f: Frame): boolean {
    const id = f['clientMsgId'];
    if (typeof id !== 'string') return false;
    const e = this.entries.get(id);
    if (!e) return false;
    if (f.type === 'ack') {
      this.entries.delete(id);
      clearTimer(e.retryTimer);
      const receipt: SendReceipt = { roomId: String(f['roomId']), clientMsgId: id, id: String(f['id']), seq: Number(f['seq']), ts: Number(f['ts']) };
      e.resolve(f['duplicate'] === true ? { ...receipt, duplicate: true } : receipt);
      return true;
    }
    if (f.type !== 'error') return false;
    const code = String(f['code']);
    if (code === 'STORE_TIMEOUT' && e.retries < MAX_UNCONFIRMED_RETRIES) {
      e.retries++;
      e.retryTimer = setTimer(() => {
        e.retryTimer = undefined;
        this.write(e.frame);
      }, RETRY_DELAY_MS * e.retries);
      return true;
    }
    this.entries.delete(id);
    e.reject(new ChatRequestError({ code, message: String(f['message'] ?? ''), requestType: 'send_message', clientMsgId: id }));
    return true;
  }

  /** Rejects every send still waiting (the client was closed). */
  failAll(error: ChatRequestError): void {
    for (const e of this.entries.values()) {
      clearTimer(e.retryTimer);
      e.reject(error);
    }
    this.entries.clear();
  }
}
