/** RFC 9110 §15 reason phrases for every status the edge answers with. */
const REASON_PHRASE: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The reason phrase for `status`; 'Error' for one the edge never uses. */
export const statusText = (status: number): string => REASON_PHRASE[status] ?? 'Error';

/**
 * One complete HTTP answer, decided by core and written as is by a
 * transport: the status line, the headers, the body and whether the
 * connection closes after it.
 */
export interface HttpAnswer {
  readonly status: number;
  /** The reason phrase of the status line. */
  readonly statusText: string;
  /** Lower-case names; `content-length` and `connection` are left to `contentLengthBytes` and `closeConnection`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Empty for HEAD (`omitBody`). */
  readonly body: string;
  /** UTF-8 length of the body GET would get, in bytes; also the Content-Length of a HEAD answer. */
  readonly contentLengthBytes: number;
  /** HEAD: headers only, Content-Length still that of the GET body. */
  readonly omitBody: boolean;
  /** Send `Connection: close` and close after the answer (refusals, and while the server stops). */
  readonly closeConnection: boolean;
}

/**
 * UTF-8 byte length of a string, without Buffer or TextEncoder (core has
 * neither). By UTF-16 code unit, not `for...of`: room lists of a few hundred
 * KB are measured on every change, and iterating by code point builds a
 * string per character. A surrogate pair is 4 bytes; a lone surrogate, which
 * encoders replace with U+FFFD, 3.
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // The pair: 2 code units, 4 bytes.
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/** A plain-text answer that closes the connection: an upgrade or request refused with `status`. */
export function refusal(status: number): HttpAnswer {
  const text = statusText(status);
  return {
    status,
    statusText: text,
    headers: { 'content-type': 'text/plain' },
    body: text,
    contentLengthBytes: text.length,
    omitBody: false,
    closeConnection: true,
  };
}
