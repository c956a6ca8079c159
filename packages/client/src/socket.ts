/**
 * The part of a WebSocket the SDK uses: the browser's `WebSocket` and the
 * `ws` package's both fit. Typed loosely on purpose: the two libraries' event
 * types differ, and the SDK reads only `data`, `code` and `reason`.
 */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}

/** A WebSocket class: `globalThis.WebSocket` in browsers and Node 22+, `ws`'s default export in Node 20. */
export type WebSocketClass = abstract new (url: string) => object;

/** `readyState` of an open socket (the same in every implementation). */
export const OPEN = 1;

/** Opens `url` with `impl` and sees it through the `SocketLike` lens. */
export function openSocket(impl: WebSocketClass, url: string): SocketLike {
  const Ctor = impl as unknown as new (url: string) => SocketLike;
  return new Ctor(url);
}

/** Sets the four handlers, with the fields the SDK reads. */
export function listen(
  socket: SocketLike,
  on: {
    open(): void;
    message(data: unknown): void;
    close(code: number, reason: string): void;
  },
): void {
  const s = socket as unknown as {
    onopen: (() => void) | null;
    onmessage: ((e: { data: unknown }) => void) | null;
    onclose: ((e: { code: number; reason: string }) => void) | null;
    onerror: (() => void) | null;
  };
  s.onopen = () => on.open();
  s.onmessage = (e) => on.message(e.data);
  s.onclose = (e) => on.close(e.code, e.reason);
  // An error is always followed by a close, which is where it is handled.
  s.onerror = () => undefined;
}

/** Detaches every handler, so a socket given up on can no longer reach the client. */
export function unlisten(socket: SocketLike): void {
  socket.onopen = socket.onmessage = socket.onclose = null;
  socket.onerror = () => undefined;
}
