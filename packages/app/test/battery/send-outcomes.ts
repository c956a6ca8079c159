import type { Frame, TestClient } from '@rgchat/testkit';

/** How a sender's `send_message` requests were answered, by text. */
export interface SendOutcomes {
  /** Texts written to the socket, in order. */
  readonly sent: readonly string[];
  /** Texts echoed back to their sender: acknowledged. */
  readonly echoed: ReadonlySet<string>;
  /** `error` frames answering its sends, by code. */
  readonly errorCodes: readonly string[];
}

/** The only send error whose outcome is unknown (docs/protocol.md); every other one promises "not stored". */
const STORE_TIMEOUT = 'STORE_TIMEOUT';

/** The sender's own echoes and send errors among `client.frames` since `from`. */
export function outcomesOf(client: TestClient, selfId: string, roomId: string, sent: readonly string[], from = 0): SendOutcomes {
  const mine = new Set(sent);
  const frames = client.frames.slice(from);
  const echoed = frames
    .filter((f: Frame) => f['type'] === 'message' && f['roomId'] === roomId && f['message']?.authorId === selfId && mine.has(f['message']?.text))
    .map((f) => String(f['message'].text));
  const errorCodes = frames.filter((f) => f['type'] === 'error' && f['requestType'] === 'send_message').map((f) => String(f['code']));
  return { sent, echoed: new Set(echoed), errorCodes };
}

/**
 * What honest outcomes mean against the store's contents afterwards, as
 * counts a test can assert to be 0:
 * - lost: echoed (acknowledged) but not stored;
 * - storedUnacknowledged: stored, not echoed, and not covered by an error
 *   that said the outcome is unknown (STORE_TIMEOUT; every other send error,
 *   STORE_UNAVAILABLE included, promises "nothing was stored"): the sender
 *   was told nothing true about it;
 * - answeredTwice: more answers (echoes + errors) than sends: a message
 *   echoed live to its sender after an error, so a retry would post twice.
 */
export function judgeOutcomes(o: SendOutcomes, stored: ReadonlySet<string>) {
  const lost = [...o.echoed].filter((t) => !stored.has(t)).length;
  const unknownOutcome = o.errorCodes.filter((c) => c === STORE_TIMEOUT).length;
  const storedNotEchoed = o.sent.filter((t) => stored.has(t) && !o.echoed.has(t)).length;
  return {
    lost,
    storedUnacknowledged: Math.max(0, storedNotEchoed - unknownOutcome),
    answeredTwice: Math.max(0, o.echoed.size + o.errorCodes.length - o.sent.length),
  };
}
