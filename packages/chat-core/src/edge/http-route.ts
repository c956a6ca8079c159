import type { EdgeRequest } from './upgrade-request';

/** What a route answers; the edge adds the status line, Content-Length and CORS. */
export interface HttpReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /**
   * Extra headers (lower-case names), over the edge's defaults: a route that
   * may be cached says so here (the default is `cache-control: no-store`).
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A plain-HTTP route outside core's own (the web page, metrics, the admin
 * API): the app hands a list of them to the transport, whose edge asks each
 * in order after core's routes did not match the path. Methods are the
 * route's business, a failing answer (a rejection) a logged 500.
 */
export interface HttpRoute {
  /** Whether this route answers `path` (the URL without its query string). */
  matches(path: string): boolean;
  /** The answer to `request`; `query` is the URL's part after `?`, or ''. */
  answer(request: EdgeRequest, path: string, query: string): HttpReply | Promise<HttpReply>;
}
