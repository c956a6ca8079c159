/** The parts of an HTTP request the edge reads, as any server library can give them. */
export interface EdgeRequest {
  /** As sent, e.g. `GET`. */
  readonly method: string;
  /** Path, with or without a query string. */
  readonly url: string;
  /** Every value of the header `name` (lower case) in the order received; `[]` when absent. */
  header(name: string): readonly string[];
  /** The socket's peer address (what X-Forwarded-For may override). */
  readonly socketAddress: string;
}

/** The one value of a header, or undefined when it is absent or repeated. */
export function single(request: EdgeRequest, name: string): string | undefined {
  const values = request.header(name);
  return values.length === 1 ? values[0] : undefined;
}

/**
 * Whether a request asks to switch protocols (Upgrade plus a Connection
 * header naming `upgrade`, RFC 9110 §7.8), the test node:http applies before
 * it emits `upgrade`; other libraries route such requests by their own rules,
 * so a transport uses this to hand the rest to the upgrade policy too.
 */
export function isUpgradeAttempt(request: EdgeRequest): boolean {
  return (
    request.header('upgrade').length > 0 &&
    request.header('connection').some((v) => v.split(',').some((token) => token.trim().toLowerCase() === 'upgrade'))
  );
}
