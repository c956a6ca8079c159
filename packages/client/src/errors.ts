import type { ServerError } from './types.js';

/**
 * What a request's promise rejects with: the server's `error` frame, or one
 * of the SDK's own codes (`CLOSED`: the client was closed; `TIMEOUT`: no answer
 * in time; `NOT_NEGOTIATED`: the server did not enable the feature).
 */
export class ChatRequestError extends Error implements ServerError {
  readonly code: string;
  readonly requestType?: string;
  readonly clientMsgId?: string;

  constructor(error: ServerError) {
    super(error.message);
    this.name = 'ChatRequestError';
    this.code = error.code;
    if (error.requestType !== undefined) this.requestType = error.requestType;
    if (error.clientMsgId !== undefined) this.clientMsgId = error.clientMsgId;
  }
}
