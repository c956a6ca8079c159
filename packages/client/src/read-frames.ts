import type { Member, Message, Room, Self } from './types.js';

/**
 * Readers for the server's objects. The server is trusted to follow the
 * protocol, but a client must not crash on a surprise: every field is read
 * with its type checked and a neutral value where it is missing.
 */
type Obj = Readonly<Record<string, unknown>>;

const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function readSelf(v: unknown): Self {
  const o = obj(v);
  return { clientId: str(o['clientId']), name: str(o['name']), avatarId: num(o['avatarId']) };
}

export function readRoom(v: unknown): Room {
  const o = obj(v);
  const room: Room = {
    id: str(o['id']),
    name: str(o['name']),
    createdAt: num(o['createdAt']),
    messageCount: num(o['messageCount']),
    lastMessageTs: typeof o['lastMessageTs'] === 'number' ? o['lastMessageTs'] : null,
  };
  return typeof o['online'] === 'number' ? { ...room, online: o['online'] } : room;
}

export const readRooms = (v: unknown): Room[] => (Array.isArray(v) ? v.map(readRoom) : []);

export function readMember(v: unknown): Member {
  const o = obj(v);
  const clientId = str(o['clientId']);
  return { clientId, userId: str(o['userId']) || clientId, name: str(o['name']), avatarId: num(o['avatarId']) };
}

/** A message; `nextSeq` numbers messages of a plain v1 connection, which carry no `seq`. */
export function readMessage(v: unknown, nextSeq: () => number): Message {
  const o = obj(v);
  const message: Message = {
    id: str(o['id']),
    ts: num(o['ts']),
    authorId: str(o['authorId']),
    name: str(o['name']),
    avatarId: num(o['avatarId']),
    type: o['type'] === 'emote' ? 'emote' : 'message',
    text: str(o['text']),
    seq: typeof o['seq'] === 'number' ? o['seq'] : nextSeq(),
  };
  const reactions = o['reactions'];
  if (typeof reactions !== 'object' || reactions === null) return message;
  const counts: Record<string, number> = {};
  for (const [emoji, n] of Object.entries(reactions)) if (typeof n === 'number' && n > 0) counts[emoji] = n;
  return Object.keys(counts).length ? { ...message, reactions: counts } : message;
}

/** The strings of an array, or none. */
export const readStrings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
