import { ChatError, ErrorCode } from '../error-codes';
import type { MessageRecord } from '../ports/store';

/** What a `clientMsgId` may be (extensions contract, acks). */
const CLIENT_MSG_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * `send_message.clientMsgId` where `acks` was negotiated: absent is fine,
 * anything but a matching string is INVALID_REQUEST (and nothing is stored).
 */
export function readClientMsgId(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !CLIENT_MSG_ID.test(value)) {
    throw new ChatError(ErrorCode.INVALID_REQUEST, 'clientMsgId must be 1-64 characters of A-Z a-z 0-9 _ . : -');
  }
  return value;
}

const json = JSON.stringify;

/**
 * `ack {roomId, clientMsgId, id, seq, ts}` for a stored message, plus
 * `duplicate: true` when the store already held it under this key.
 */
export const ackFrame = (m: MessageRecord, clientMsgId: string, duplicate: boolean): string =>
  `{"type":"ack","roomId":${json(m.roomId)},"clientMsgId":${json(clientMsgId)},"id":${json(m.id)},"seq":${json(m.seq)},"ts":${json(m.ts)}${duplicate ? ',"duplicate":true' : ''}}`;
