import * as v from 'valibot';
import { ChatError, ErrorCode } from '../error-codes';
import type { Limits } from '../limits';
import { MESSAGE_TYPES, PROTOCOL, REQUEST_TYPES, type Request, type RequestType } from './frames';
import { CONTROL, WHITESPACE_OR_INVISIBLE, codePointLength, slugify, stripControlsKeepLines, wellFormed } from './text';
import { displayNameProblem, hasVisibleCharacter, stripHiddenFormatting } from './visible-text';

/** Longest room id accepted from a client; ids of valid rooms are far shorter. */
const MAX_ROOM_ID_INPUT = 256;
const MAX_SESSION_ID = 128;

// Fast paths for the input almost every frame carries, which the schemas
// would return unchanged: a room id as room_list gave it, and plain ASCII
// text. Anything else goes through the schemas, which stay the definition
// (a test checks that both agree). Saves valibot's pipeline, NFKD and six
// regex replacements on every send_message.
/** What slugify returns unchanged: [a-z0-9_-], no leading, trailing or doubled '-'. */
const CANONICAL_ROOM_ID = /^[a-z0-9_]+(?:-[a-z0-9_]+)*$/;
/** Printable ASCII: wellFormed and stripControlsKeepLines leave it as is, and its length is its code points. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

const maxCodePoints = (max: number, what: string) =>
  v.check<string, string>((s) => codePointLength(s) <= max, `${what} must be at most ${max} characters.`);

/** Field schemas, built once from the limits. Each output is already normalised. */
function createFieldSchemas(limits: Limits) {
  // Names and room names are prepared as RFC 8266 nicknames (NFKC, which also
  // maps full- and half-width forms; case kept), then checked for anything
  // that hides (visible-text.ts). Spaces are refused in names, as the seed says.
  const displayable = (subject: string) =>
    v.rawCheck<string>(({ dataset, addIssue }) => {
      const problem = dataset.typed ? displayNameProblem(dataset.value) : undefined;
      if (problem !== undefined) addIssue({ message: `${subject} ${problem}` });
    });
  const name = v.pipe(
    v.string('Name must be a string.'),
    v.transform((s) => wellFormed(s).normalize('NFKC')),
    v.trim(),
    v.nonEmpty('Name cannot be empty.'),
    v.check((s) => !WHITESPACE_OR_INVISIBLE.test(s), 'Names cannot contain spaces.'),
    v.check((s) => !CONTROL.test(s), 'Names cannot contain control characters.'),
    displayable('Names'),
    maxCodePoints(limits.maxNameLength, 'Name'),
  );
  const avatarId = v.pipe(
    v.number('avatarId must be an integer.'),
    v.safeInteger('avatarId must be an integer.'),
  );
  const roomName = v.pipe(
    v.string('Room name must be a string.'),
    v.transform((s) => stripControlsKeepLines(wellFormed(s)).normalize('NFKC').replace(/\s+/gu, ' ').trim()),
    v.nonEmpty('Room name cannot be empty.'),
    displayable('Room names'),
    maxCodePoints(limits.maxRoomNameLength, 'Room name'),
    v.transform((display) => ({ name: display, id: slugify(display) })),
    v.check((r) => r.id.length > 0, 'Room name must contain at least one letter or digit.'),
  );
  const roomId = v.pipe(
    v.string('roomId must be a string.'),
    v.maxLength(MAX_ROOM_ID_INPUT, 'roomId is too long.'),
    v.transform((s) => slugify(wellFormed(s))),
    v.nonEmpty('roomId is empty once normalised.'),
  );
  const text = v.pipe(
    v.string('Message text must be a string.'),
    // Cheap guard before any work on a huge string (UTF-16 units >= code points).
    v.maxLength(limits.maxMessageLength * 8, `Message must be at most ${limits.maxMessageLength} characters.`),
    // Directional overrides and stray tag characters are dropped, like other
    // control characters, rather than refused: see visible-text.ts.
    v.transform((s) => stripHiddenFormatting(stripControlsKeepLines(wellFormed(s))).trim()),
    v.nonEmpty('Message cannot be empty.'),
    v.check(hasVisibleCharacter, 'Message must contain visible text.'),
    maxCodePoints(limits.maxMessageLength, 'Message'),
  );
  const messageType = v.picklist(MESSAGE_TYPES, 'Message type must be "message" or "emote".');
  return { name, avatarId, roomName, roomId, text, messageType };
}

type Schema<T> = v.GenericSchema<unknown, T>;

/** Parses one field; a failure becomes a ChatError with the field's code. */
function field<T>(schema: Schema<T>, value: unknown, code: ErrorCode): T {
  const r = v.safeParse(schema, value);
  if (r.success) return r.output;
  throw new ChatError(code, r.issues[0]?.message ?? 'Invalid value.');
}

/** Like `field`, but a bad value yields undefined (hello falls back instead of failing). */
function lenient<T>(schema: Schema<T>, value: unknown): T | undefined {
  const r = v.safeParse(schema, value);
  return r.success ? r.output : undefined;
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** Own property only: `__proto__` or `constructor` in a frame are plain data. */
const own = (o: Record<string, unknown>, key: string): unknown =>
  Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;

export type Decoded =
  | { readonly ok: true; readonly request: Request }
  /** `requestType` is the frame's `type` when it had a string one, for the error reply. */
  | { readonly ok: false; readonly error: ChatError; readonly requestType: string | null };

export interface Decoder {
  /**
   * Turns one inbound text frame into a validated, normalised request, or the
   * ChatError to answer with (BAD_JSON, INVALID_REQUEST, UNKNOWN_TYPE or a
   * field's code).
   */
  decode(data: string): Decoded;
}

export function createDecoder(limits: Limits): Decoder {
  const f = createFieldSchemas(limits);
  const isRequestType = (t: string): t is RequestType => (REQUEST_TYPES as readonly string[]).includes(t);

  const roomIdOf = (value: unknown): string =>
    typeof value === 'string' && value.length <= MAX_ROOM_ID_INPUT && CANONICAL_ROOM_ID.test(value)
      ? value
      : field(f.roomId, value, ErrorCode.INVALID_ROOM);

  const textOf = (value: unknown): string => {
    if (typeof value === 'string' && value.length <= limits.maxMessageLength * 2 && PRINTABLE_ASCII.test(value)) {
      const text = value.trim();
      if (text.length > 0 && text.length <= limits.maxMessageLength) return text;
    }
    return field(f.text, value, ErrorCode.INVALID_MESSAGE);
  };

  function parse(data: string): Record<string, unknown> {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw new ChatError(ErrorCode.BAD_JSON, 'Frame is not valid JSON.');
    }
    if (!isObject(json)) throw new ChatError(ErrorCode.INVALID_REQUEST, 'Frame must be a JSON object.');
    return json;
  }

  function build(type: RequestType, o: Record<string, unknown>): Request {
    switch (type) {
      case 'hello': {
        const protocol = own(o, 'protocol');
        if (protocol !== undefined && protocol !== PROTOCOL) {
          throw new ChatError(ErrorCode.UNSUPPORTED_PROTOCOL, `Only "${PROTOCOL}" is supported.`);
        }
        const rawSession = own(o, 'sessionId');
        const profile = own(o, 'profile');
        const p = isObject(profile) ? profile : {};
        const resume = own(o, 'resumeRoomId');
        return {
          type,
          sessionId: typeof rawSession === 'string' ? wellFormed(rawSession).slice(0, MAX_SESSION_ID) : undefined,
          name: lenient(f.name, own(p, 'name')),
          avatarId: lenient(f.avatarId, own(p, 'avatarId')),
          resumeRoomId: resume === undefined || resume === null ? undefined : lenient(f.roomId, resume),
        };
      }
      case 'set_profile': {
        // Flat as in the seed; a nested `profile` like hello's is accepted too.
        const nested = own(o, 'profile');
        const src = own(o, 'name') === undefined && own(o, 'avatarId') === undefined && isObject(nested) ? nested : o;
        const name = own(src, 'name');
        const avatarId = own(src, 'avatarId');
        return {
          type,
          name: name === undefined ? undefined : field(f.name, name, ErrorCode.INVALID_NAME),
          avatarId: avatarId === undefined ? undefined : field(f.avatarId, avatarId, ErrorCode.INVALID_AVATAR),
        };
      }
      case 'create_room': {
        const room = field(f.roomName, own(o, 'name'), ErrorCode.INVALID_ROOM);
        return { type, id: room.id, name: room.name };
      }
      case 'join_room':
        return { type, roomId: roomIdOf(own(o, 'roomId')) };
      case 'send_message': {
        const roomId = roomIdOf(own(o, 'roomId'));
        const message = own(o, 'message');
        if (!isObject(message)) throw new ChatError(ErrorCode.INVALID_MESSAGE, 'message must be an object.');
        const rawType = own(message, 'type') ?? 'message';
        const messageType = rawType === 'message' || rawType === 'emote' ? rawType : field(f.messageType, rawType, ErrorCode.INVALID_MESSAGE);
        return { type, roomId, messageType, text: textOf(own(message, 'text')) };
      }
      case 'ping': {
        const ts = own(o, 'ts');
        const ok = (typeof ts === 'number' && Number.isFinite(ts)) || (typeof ts === 'string' && ts.length <= 64);
        return { type, ts: ok ? (ts as number | string) : undefined };
      }
    }
  }

  return {
    decode(data) {
      let requestType: string | null = null;
      try {
        const o = parse(data);
        const type = own(o, 'type');
        if (typeof type !== 'string') throw new ChatError(ErrorCode.INVALID_REQUEST, 'Frame needs a string "type".');
        requestType = type.slice(0, 64);
        if (!isRequestType(type)) throw new ChatError(ErrorCode.UNKNOWN_TYPE, 'Unknown request type.');
        return { ok: true, request: build(type, o) };
      } catch (e) {
        if (e instanceof ChatError) return { ok: false, error: e, requestType };
        throw e;
      }
    },
  };
}
