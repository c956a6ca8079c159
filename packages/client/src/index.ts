/**
 * @rgchat/client: a typed client for rgchat servers (rg-chat-v1 and its
 * extensions), for browsers and Node 20+. It reconnects with jittered
 * back-off, re-enters the room with exact recovery and re-sends unacknowledged
 * messages under their clientMsgId, so each is stored once.
 */
export { connect, ChatClient, type ConnectOptions } from './chat-client.js';
export { ChatRequestError } from './errors.js';
export type { WebSocketClass } from './socket.js';
export { TYPING_EXPIRY_MS } from './room-view.js';
export * from './types.js';
