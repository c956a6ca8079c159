import type { FieldReader } from './protocol/decode';
import type { JsonObject } from './protocol/json-object';
import type { RequestContext } from './request-context';
import type { Session } from './session';

/**
 * Everything core knows about one request type, in one place: a row of the
 * request table (`request-table.ts`). Adding a request is one file under
 * `requests/` plus one row.
 */
export interface RequestSpec<R extends { readonly type: string }> {
  /** The frame's `type`. */
  readonly type: R['type'];
  /**
   * The `hello.features` name a connection must have negotiated for this
   * type to exist; `undefined` for rg-chat-v1. Elsewhere it is answered
   * `UNKNOWN_TYPE`, exactly as a type no row names.
   */
  readonly feature: string | undefined;
  /** Refused with `HELLO_REQUIRED` before the connection's `hello`. */
  readonly needsHello: boolean;
  /**
   * May start while earlier requests of this kind are still in flight
   * (send_message: the store keeps call order, so a burst shares one group
   * commit). Other requests wait until everything before them settled.
   */
  readonly pipelines: boolean;
  /**
   * The frame's own fields, validated and normalised; throws a ChatError.
   * `features` are the connection's as this frame will find them when served
   * (a field an extension adds is read only where it was negotiated).
   */
  decode(frame: JsonObject, read: FieldReader, features: ReadonlySet<string>): R;
  /**
   * Runs when the frame is admitted, before it is queued (optional). `hello`
   * uses it: frames queued behind a hello are decoded with the features that
   * hello will negotiate, since they are served after it.
   */
  admitted?(s: Session, request: R): void;
  /**
   * Serves the request: returns nothing when done synchronously, or a
   * promise. A ChatError becomes an `error` frame; anything else is a bug
   * (INTERNAL, close 1011).
   */
  handle(ctx: RequestContext, session: Session, request: R): void | Promise<void>;
}

/** A row of any type; method parameters are bivariant, so every `RequestSpec<R>` is one. */
export type AnyRequestSpec = RequestSpec<{ readonly type: string }>;

/** The request type a table row describes. */
export type RequestOf<S> = S extends RequestSpec<infer R> ? R : never;

/** A decoded request and the row that serves it: what a connection's scheduler queues. */
export interface RequestJob {
  readonly spec: AnyRequestSpec;
  readonly request: { readonly type: string };
}
