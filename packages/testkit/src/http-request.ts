import type { EdgeRequest } from '@rgchat/chat-core';

/** A plain HTTP request as a transport hands it to the edge, for unit tests of core's routes. */
export function httpRequest(method: string, url: string, origin?: string, headers: Readonly<Record<string, string>> = {}): EdgeRequest {
  const all: Record<string, string> = { ...headers, ...(origin === undefined ? {} : { origin }) };
  return { method, url, socketAddress: '127.0.0.1', header: (name) => (all[name] === undefined ? [] : [all[name] as string]) };
}
