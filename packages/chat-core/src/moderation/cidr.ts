/**
 * IP networks for bans: IPv4 and IPv6 in CIDR notation, matched against
 * the addresses transports report (`203.0.113.7`, `2001:db8::1`, and the
 * IPv4-mapped `::ffff:203.0.113.7` of a dual-stack socket). Every address is
 * held as a 128-bit number, IPv4 in its mapped form, so one comparison
 * covers both families and a v4 ban also catches the mapped spelling.
 */
export interface Network {
  /** Canonical text: `203.0.113.0/24`, `2001:db8::/32`. */
  readonly cidr: string;
  readonly base: bigint;
  /** Prefix length over the 128-bit form (a v4 /24 is /120 here). */
  readonly bits: number;
}

const V4_MAPPED = 0xffffn << 32n;
const ALL = (1n << 128n) - 1n;

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255 || (p.length > 1 && p.startsWith('0'))) return undefined;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

function parseV6(text: string): bigint | undefined {
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tailV4 = parseV4(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let n = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) n = (n & ~0xffffffffn) | tailV4;
  return n;
}

/** An address as its 128-bit number (IPv4 mapped), or undefined when it is not one. */
export function parseAddress(text: string): bigint | undefined {
  const t = text.trim();
  if (t.includes(':')) return parseV6(t.replace(/^\[|\]$/g, '').split('%', 1)[0]!);
  const v4 = parseV4(t);
  return v4 === undefined ? undefined : V4_MAPPED | v4;
}

const isMappedV4 = (n: bigint): boolean => n >> 32n === 0xffffn;

function v4Text(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
}

function v6Text(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: the longest run (of 2 or more) of zero groups becomes `::`.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * Parses `203.0.113.0/24`, `2001:db8::/32` or a bare address (a /32 or
 * /128 network). Host bits are cleared, so `203.0.113.7/24` is the network
 * `203.0.113.0/24`. Undefined when `text` is neither.
 */
export function parseNetwork(text: string): Network | undefined {
  const [addr = '', len, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const n = parseAddress(addr);
  if (n === undefined) return undefined;
  const v4 = !addr.includes(':');
  const max = v4 ? 32 : 128;
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return undefined;
  const prefix = len === undefined ? max : Number(len);
  if (prefix > max) return undefined;
  const bits = v4 ? 96 + prefix : prefix;
  const mask = bits === 0 ? 0n : (ALL << BigInt(128 - bits)) & ALL;
  const base = n & mask;
  const cidr = v4 || (isMappedV4(base) && bits >= 96) ? `${v4Text(base & 0xffffffffn)}/${bits - 96}` : `${v6Text(base)}/${bits}`;
  return { cidr, base, bits };
}

/** Whether `address` (already parsed) lies in `network`. */
export function contains(network: Network, address: bigint): boolean {
  if (network.bits === 0) return true;
  return address >> BigInt(128 - network.bits) === network.base >> BigInt(128 - network.bits);
}
