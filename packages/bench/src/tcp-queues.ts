import { readFileSync } from 'node:fs';

/** One TCP socket's kernel queues, from /proc/net/tcp{,6}. */
export interface TcpQueues {
  /** Bytes sent but not yet acknowledged by the peer. */
  txBytes: number;
  /** Bytes received but not yet read by the application. */
  rxBytes: number;
}

const hexPort = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');

/** Parses /proc/net/tcp text for the socket whose local port is `localPort` and remote port `remotePort`. */
export function findTcpQueues(text: string, localPort: number, remotePort: number): TcpQueues | undefined {
  const local = `:${hexPort(localPort)}`;
  const remote = `:${hexPort(remotePort)}`;
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue ...
    if (cols.length < 5 || !cols[1]?.endsWith(local) || !cols[2]?.endsWith(remote)) continue;
    const [tx, rx] = (cols[4] ?? '').split(':');
    return { txBytes: parseInt(tx ?? '0', 16), rxBytes: parseInt(rx ?? '0', 16) };
  }
  return undefined;
}

/**
 * Bytes the kernel holds for one loopback connection: what the server's
 * socket has not got acknowledged plus what the client's socket has not
 * handed to the application. Undefined when /proc is unreadable or the
 * sockets are gone (e.g. already closed).
 */
export function kernelQueuedBytes(clientPort: number, serverPort: number): number | undefined {
  let text = '';
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      text += readFileSync(f, 'utf8');
    } catch {
      // No IPv6 table, or not Linux.
    }
  }
  const server = findTcpQueues(text, serverPort, clientPort);
  const client = findTcpQueues(text, clientPort, serverPort);
  if (!server && !client) return undefined;
  return (server?.txBytes ?? 0) + (client?.rxBytes ?? 0);
}
