/**
 * The key per-address limits count under. An IPv4 address is itself (also
 * when written IPv4-mapped, `::ffff:192.0.2.1`, as dual-stack sockets report
 * it). An IPv6 address counts as its /64: one subscriber is routinely given
 * a whole /64 (RFC 6177, RFC 7934), so keying full addresses would let one
 * host rotate through 2^64 fresh quotas. Anything unparsable is its own key.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const groups = ipv6Groups(address);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : address;
}

/** The eight 16-bit groups of an IPv6 address in lower-case hex without leading zeros, or undefined. */
function ipv6Groups(text: string): string[] | undefined {
  const address = text.split('%', 1)[0]!.toLowerCase();
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (half: string): string[] | undefined => {
    if (half === '') return [];
    const parts = half.split(':');
    // A trailing dotted quad (::1.2.3.4 forms) stands for the last two groups.
    const last = parts[parts.length - 1]!;
    if (last.includes('.')) {
      const octets = last.split('.').map(Number);
      if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return undefined;
      parts.splice(-1, 1, ((octets[0]! << 8) | octets[1]!).toString(16), ((octets[2]! << 8) | octets[3]!).toString(16));
    }
    return parts.every((p) => /^[0-9a-f]{1,4}$/.test(p)) ? parts.map((p) => parseInt(p, 16).toString(16)) : undefined;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...Array<string>(missing).fill('0'), ...tail] : undefined;
}
