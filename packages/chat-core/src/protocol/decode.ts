import * as v from 'valibot';
import { ChatError, ErrorCode } from '../error-codes';
import type { Limits } from '../limits';
import { ALL_FEATURES, type Feature } from '../features';
import { allRequests, type Request, type RequestTable } from '../request-table';
import type { AnyRequestSpec } from '../request-spec';
import { NO_FEATURES } from '../session';
import { MESSAGE_TYPES } from './frames';
import { isObject, own, type JsonObject } from './json-object';
import { CONTROL, WHITESPACE_OR_INVISIBLE, codePointLength, slugify, stripControlsKeepLines, wellFormed } from './text';
import { displayNameProblem, hasVisibleCharacter, stripHiddenFormatting } from './visible-text';

/** Longest room id accepted from a client; ids of valid rooms are far shorter. */
const MAX_ROOM_ID_INPUT = 256;

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
type FieldSchemas = ReturnType<typeof createFieldSchemas>;

/**
 * What a request's decoder (`RequestSpec.decode`) reads its fields with:
 * the schemas built from the limits, and the fast paths that agree with them.
 */
export interface FieldReader {
  readonly schemas: FieldSchemas;
  /** The features this server enables (config `FEATURES`): what a `hello` can negotiate. */
  readonly enabledFeatures: ReadonlySet<Feature>;
  /** Parses one field; a failure throws a ChatError with `code` and the schema's message. */
  field<T>(schema: Schema<T>, value: unknown, code: ErrorCode): T;
  /** Like `field`, but a bad value yields undefined (hello falls back instead of failing). */
  lenient<T>(schema: Schema<T>, value: unknown): T | undefined;
  /** A room id, normalised; INVALID_ROOM. */
  roomId(value: unknown): string;
  /** Message text, normalised; INVALID_MESSAGE. */
  text(value: unknown): string;
}

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

export type Decoded =
  | { readonly ok: true; readonly request: Request; readonly spec: AnyRequestSpec }
  /** `requestType` is the frame's `type` when it had a string one, for the error reply. */
  | { readonly ok: false; readonly error: ChatError; readonly requestType: string | null };

export interface Decoder {
  /**
   * Turns one inbound text frame into a validated, normalised request and
   * the table row that serves it, or the ChatError to answer with (BAD_JSON,
   * INVALID_REQUEST, UNKNOWN_TYPE or a field's code). A row whose feature is
   * not in `features` (default none) is UNKNOWN_TYPE, as a type no row names.
   */
  decode(data: string, features?: ReadonlySet<string>): Decoded;
}

/**
 * A decoder for `table`'s requests (default: every request core serves,
 * `request-table.ts`), with fields checked against `limits`, on a server
 * enabling `enabled` (default all features).
 */
export function createDecoder(limits: Limits, table: RequestTable = allRequests, enabled: ReadonlySet<Feature> = ALL_FEATURES): Decoder {
  const f = createFieldSchemas(limits);
  const rows = new Map<string, AnyRequestSpec>(table.map((spec) => [spec.type, spec]));

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

  const read: FieldReader = { schemas: f, enabledFeatures: enabled, field, lenient, roomId: roomIdOf, text: textOf };

  function parse(data: string): JsonObject {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw new ChatError(ErrorCode.BAD_JSON, 'Frame is not valid JSON.');
    }
    if (!isObject(json)) throw new ChatError(ErrorCode.INVALID_REQUEST, 'Frame must be a JSON object.');
    return json;
  }

  return {
    decode(data, features = NO_FEATURES) {
      let requestType: string | null = null;
      try {
        const o = parse(data);
        const type = own(o, 'type');
        if (typeof type !== 'string') throw new ChatError(ErrorCode.INVALID_REQUEST, 'Frame needs a string "type".');
        requestType = type.slice(0, 64);
        const spec = rows.get(type);
        if (!spec || (spec.feature !== undefined && !features.has(spec.feature))) {
          throw new ChatError(ErrorCode.UNKNOWN_TYPE, 'Unknown request type.');
        }
        // The table's rows are the Request union, one member each.
        return { ok: true, request: spec.decode(o, read, features) as Request, spec };
      } catch (e) {
        if (e instanceof ChatError) return { ok: false, error: e, requestType };
        throw e;
      }
    },
  };
}
