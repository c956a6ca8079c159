/**
 * The text form of the ephemeral bus events (presence, typing), part of
 * bus-codec.ts's format: `{"i":…,"k":<kind>,…}` with short keys and members
 * as arrays, since a full-state part packs as many as fit in one NOTIFY.
 *
 * - `presence`: `"o"` the instance, `"d"`: `[roomId, clientId]` (left) or
 *   `[roomId, clientId, userId, name, avatarId]` (in the room);
 * - `presence_beat`: `"o"`, `"n"` its member count;
 * - `presence_sync`: `"o"`, `"t"` the target instance or null;
 * - `presence_state`: `"o"`, `"e"` epoch, `"m"` members as 5-arrays, `"z"` last part;
 * - `presence_bye`: `"o"`;
 * - `typing`: `"r"` roomId, `"c"` clientId, `"n"` name, `"a"` active.
 */
import type { EphemeralEvent, PresenceDelta } from '../ports/bus';
import type { Member } from '../ports/presence';

type Tuple = readonly unknown[];

const memberTuple = (roomId: string, m: Member): Tuple => [roomId, m.clientId, m.userId, m.name, m.avatarId];

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);
const isString = (x: unknown): x is string => typeof x === 'string';

/** `[roomId, member]` from a 5-array, or undefined when any field is malformed. */
function readMember(t: unknown): [string, Member] | undefined {
  if (!Array.isArray(t) || t.length !== 5) return undefined;
  const [roomId, clientId, userId, name, avatarId] = t as unknown[];
  if (!isString(roomId) || !isString(clientId) || !isString(userId) || !isString(name) || !isInt(avatarId)) return undefined;
  return [roomId, { clientId, userId, name, avatarId }];
}

function readDelta(t: unknown): PresenceDelta | undefined {
  if (Array.isArray(t) && t.length === 2 && isString(t[0]) && isString(t[1])) return { roomId: t[0], clientId: t[1], member: null };
  const m = readMember(t);
  return m && { roomId: m[0], clientId: m[1].clientId, member: m[1] };
}

/** Reads every element with `read`; undefined when any is malformed (the whole event is dropped). */
function readAll<T>(x: unknown, read: (t: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(x)) return undefined;
  const out: T[] = [];
  for (const t of x) {
    const v = read(t);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

/** `event` from the bus instance `i` as one string, in the format above. */
export function encodeEphemeral(i: string, event: EphemeralEvent): string {
  const json = JSON.stringify;
  switch (event.kind) {
    case 'presence': {
      const d = event.deltas.map((x) => (x.member ? memberTuple(x.roomId, x.member) : [x.roomId, x.clientId]));
      return json({ i, k: 'presence', o: event.instanceId, d });
    }
    case 'presence_beat':
      return json({ i, k: 'presence_beat', o: event.instanceId, n: event.members });
    case 'presence_sync':
      return json({ i, k: 'presence_sync', o: event.instanceId, t: event.target });
    case 'presence_state':
      return json({ i, k: 'presence_state', o: event.instanceId, e: event.epoch, m: event.members.map((x) => memberTuple(x.roomId, x.member)), z: event.last });
    case 'presence_bye':
      return json({ i, k: 'presence_bye', o: event.instanceId });
    case 'typing':
      return json({ i, k: 'typing', r: event.roomId, c: event.clientId, n: event.name, a: event.active });
  }
}

/**
 * The ephemeral event in a parsed payload `x` of kind `x.k`, or undefined
 * when it is not one or is malformed (dropped, like any bad notice).
 */
export function decodeEphemeral(x: Record<string, unknown>): EphemeralEvent | undefined {
  const o = x['o'];
  switch (x['k']) {
    case 'presence': {
      const deltas = readAll(x['d'], readDelta);
      return isString(o) && deltas ? { kind: 'presence', instanceId: o, deltas } : undefined;
    }
    case 'presence_beat':
      return isString(o) && isInt(x['n']) ? { kind: 'presence_beat', instanceId: o, members: x['n'] } : undefined;
    case 'presence_sync': {
      const t = x['t'];
      return isString(o) && (t === null || isString(t)) ? { kind: 'presence_sync', instanceId: o, target: t } : undefined;
    }
    case 'presence_state': {
      const members = readAll(x['m'], readMember);
      const e = x['e'];
      const z = x['z'];
      if (!isString(o) || !isInt(e) || typeof z !== 'boolean' || !members) return undefined;
      return { kind: 'presence_state', instanceId: o, epoch: e, members: members.map(([roomId, member]) => ({ roomId, member })), last: z };
    }
    case 'presence_bye':
      return isString(o) ? { kind: 'presence_bye', instanceId: o } : undefined;
    case 'typing': {
      const { r, c, n, a } = x;
      return isString(r) && isString(c) && isString(n) && typeof a === 'boolean'
        ? { kind: 'typing', roomId: r, clientId: c, name: n, active: a }
        : undefined;
    }
    default:
      return undefined;
  }
}
