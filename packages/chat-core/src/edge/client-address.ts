/**
 * The client address a connection is known by: the first entry of
 * X-Forwarded-For when `trustProxy` is set (the proxy we run appends the
 * address it saw, so the first hop is the client), the socket's peer address
 * otherwise. Without a trusted proxy the header is the client's own claim and
 * is ignored. `forwardedFor` may hold several comma-separated values.
 */
export function clientAddress(forwardedFor: string | undefined, socketAddress: string, trustProxy: boolean): string {
  if (trustProxy) {
    const first = forwardedFor?.split(',', 1)[0]?.trim();
    if (first) return first;
  }
  return socketAddress;
}
