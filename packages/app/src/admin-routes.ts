import { createHash, timingSafeEqual } from 'node:crypto';
import { isChatError, type ChatAdmin, type EdgeRequest, type HttpReply, type HttpRoute, type Log } from '@rgchat/chat-core';

/** Longest ban: a year, in minutes (core checks the same bound in ms). */
const MAX_BAN_MINUTES = 365 * 24 * 60;
/** Failed authentications are logged at most once per this many ms, with the count since the last line. */
const AUTH_FAILURE_LOG_MS = 10_000;

export interface AdminRouteOptions {
  /** The bearer token (ADMIN_TOKEN). */
  readonly token: string;
  /** The running chat's admin surface, asked at request time (the routes exist before the chat server). */
  readonly admin: () => ChatAdmin;
  readonly log: Log;
  /** Takes the caller's address from X-Forwarded-For, as TRUST_PROXY says. */
  readonly trustProxy: boolean;
}

const json = (status: number, body: unknown): HttpReply => ({ status, contentType: 'application/json', body: JSON.stringify(body) });
const error = (status: number, code: string, message: string) => json(status, { error: code, message });

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The caller's address for the log: the proxy's X-Forwarded-For entry when trusted, else the socket's. */
function callerOf(request: EdgeRequest, trustProxy: boolean): string {
  const forwarded = trustProxy ? request.header('x-forwarded-for')[0]?.split(',')[0]?.trim() : undefined;
  return forwarded || request.socketAddress;
}

/**
 * The admin API (issue #14), under `/admin/`, behind `Authorization: Bearer
 * <ADMIN_TOKEN>` (compared in constant time: both sides are hashed first, so
 * neither the token's length nor its prefix leaks through timing). Every
 * action is logged with what it did and who asked; no body is read, so
 * every parameter is in the path or the query string.
 *
 *   GET    /admin/rooms                          rooms with `online`
 *   GET    /admin/rooms/{roomId}/connections     who is in a room
 *   DELETE /admin/rooms/{roomId}                 delete a room and its messages
 *   DELETE /admin/rooms/{roomId}/messages/{id}   delete any message
 *   DELETE /admin/connections/{clientId}         close a connection (1008)
 *   GET    /admin/bans                           bans in force
 *   POST   /admin/bans?cidr=&minutes=&reason=    ban an address or network
 *   DELETE /admin/bans/{banId}                   lift a ban
 */
export function adminRoutes(options: AdminRouteOptions): HttpRoute {
  const expected = digest(options.token);
  let failures = 0;
  let lastFailureLog = -Infinity;

  function authorized(request: EdgeRequest): boolean {
    const [header, ...more] = request.header('authorization');
    const match = more.length === 0 ? /^Bearer (\S+)$/i.exec(header ?? '') : null;
    // Hashing both sides gives equal lengths, as timingSafeEqual needs.
    return match !== null && timingSafeEqual(digest(match[1]!), expected);
  }

  function noteFailure(caller: string, path: string): void {
    failures++;
    const now = Date.now();
    if (now - lastFailureLog < AUTH_FAILURE_LOG_MS) return;
    options.log('warn', 'admin API: authentication failed', { remoteAddress: caller, path, failures });
    lastFailureLog = now;
    failures = 0;
  }

  async function route(method: string, parts: readonly string[], query: URLSearchParams, done: (action: string, fields: Record<string, unknown>) => void): Promise<HttpReply> {
    const admin = options.admin();
    const [head, id, sub, subId, ...rest] = parts;
    if (rest.length > 0) return error(404, 'NOT_FOUND', 'No such admin resource.');
    if (head === 'rooms' && id === undefined) {
      if (method !== 'GET') return error(405, 'METHOD_NOT_ALLOWED', 'GET only.');
      return json(200, { rooms: admin.rooms() });
    }
    if (head === 'rooms' && id !== undefined && sub === 'connections' && subId === undefined) {
      if (method !== 'GET') return error(405, 'METHOD_NOT_ALLOWED', 'GET only.');
      return json(200, { roomId: id, connections: admin.connections(id) });
    }
    if (head === 'rooms' && id !== undefined && sub === undefined) {
      if (method !== 'DELETE') return error(405, 'METHOD_NOT_ALLOWED', 'DELETE only.');
      const deleted = await admin.deleteRoom(id);
      done('delete room', { roomId: id, deleted });
      return deleted ? json(200, { deleted: true, roomId: id }) : error(404, 'ROOM_NOT_FOUND', `No room "${id}".`);
    }
    if (head === 'rooms' && id !== undefined && sub === 'messages' && subId !== undefined) {
      if (method !== 'DELETE') return error(405, 'METHOD_NOT_ALLOWED', 'DELETE only.');
      const outcome = await admin.deleteMessage(id, subId);
      done('delete message', { roomId: id, messageId: subId, outcome });
      return outcome === 'deleted' ? json(200, { deleted: true, roomId: id, messageId: subId }) : error(404, 'MESSAGE_NOT_FOUND', `No message "${subId}" in "${id}".`);
    }
    if (head === 'connections' && id !== undefined && sub === undefined) {
      if (method !== 'DELETE') return error(405, 'METHOD_NOT_ALLOWED', 'DELETE only.');
      admin.kick(id);
      done('close connection', { clientId: id });
      // Accepted: the instance holding it closes it when the bus brings the request.
      return json(202, { closing: id });
    }
    if (head === 'bans' && id === undefined) {
      if (method === 'GET') return json(200, { bans: admin.bans() });
      if (method !== 'POST') return error(405, 'METHOD_NOT_ALLOWED', 'GET or POST.');
      const cidr = query.get('cidr') ?? '';
      const minutes = Number(query.get('minutes') ?? '60');
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_BAN_MINUTES) {
        return error(400, 'INVALID_REQUEST', `minutes must be a whole number from 1 to ${MAX_BAN_MINUTES}.`);
      }
      const ban = await admin.ban(cidr, minutes * 60_000, query.get('reason') ?? '');
      done('ban', { banId: ban.id, cidr: ban.cidr, minutes, reason: ban.reason });
      return json(201, { ban });
    }
    if (head === 'bans' && id !== undefined && sub === undefined) {
      if (method !== 'DELETE') return error(405, 'METHOD_NOT_ALLOWED', 'DELETE only.');
      const lifted = await admin.unban(id);
      done('lift ban', { banId: id, lifted });
      return lifted ? json(200, { lifted: true, banId: id }) : error(404, 'NOT_FOUND', `No ban "${id}".`);
    }
    return error(404, 'NOT_FOUND', 'No such admin resource.');
  }

  return {
    matches: (path) => path === '/admin' || path.startsWith('/admin/'),
    async answer(request, path, search) {
      const caller = callerOf(request, options.trustProxy);
      if (!authorized(request)) {
        noteFailure(caller, path);
        return { ...error(401, 'UNAUTHORIZED', 'Send Authorization: Bearer <ADMIN_TOKEN>.'), headers: { 'www-authenticate': 'Bearer realm="rgchat-admin"' } };
      }
      let parts: string[];
      try {
        parts = path.slice('/admin/'.length).split('/').filter((p) => p !== '').map(decodeURIComponent);
      } catch {
        return error(400, 'INVALID_REQUEST', 'Malformed path.');
      }
      const done = (action: string, fields: Record<string, unknown>) => options.log('info', `admin: ${action}`, { ...fields, remoteAddress: caller });
      try {
        return await route(request.method, parts, new URLSearchParams(search), done);
      } catch (e) {
        if (!isChatError(e)) throw e;
        if (e.code === 'INVALID_REQUEST') return error(400, e.code, e.message);
        return error(503, e.code, e.message);
      }
    },
  };
}
