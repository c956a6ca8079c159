import type { WebSocketClass } from './socket.js';

/**
 * The few globals the SDK uses, looked up at run time so one build serves
 * browsers and Node without DOM or Node type libraries.
 */
interface Globals {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  crypto?: { getRandomValues(bytes: Uint8Array): Uint8Array };
  WebSocket?: WebSocketClass;
}

const g = globalThis as unknown as Globals;

export type TimerHandle = unknown;

export const setTimer = (fn: () => void, ms: number): TimerHandle => g.setTimeout(fn, ms);
export const clearTimer = (handle: TimerHandle | undefined): void => {
  if (handle !== undefined) g.clearTimeout(handle);
};

/** Throws `e` outside the current call stack, so it is reported without unwinding the caller. */
export const rethrowLater = (e: unknown): void => {
  g.setTimeout(() => {
    throw e;
  }, 0);
};

/** The platform's WebSocket class, if it has one (browsers, Node 22+). */
export const platformWebSocket = (): WebSocketClass | undefined => g.WebSocket;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A random id of `length` characters from [A-Za-z0-9]: crypto-strong where the platform has it. */
export function randomId(length: number): string {
  const bytes = new Uint8Array(length);
  if (g.crypto) g.crypto.getRandomValues(bytes);
  else for (let i = 0; i < length; i++) bytes[i] = Math.floor(Math.random() * 256);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}
