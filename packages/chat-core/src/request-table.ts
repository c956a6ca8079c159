import type { AnyRequestSpec, RequestOf } from './request-spec';
import { createRoom } from './requests/create-room';
import { deleteMessage } from './requests/delete-message';
import { getHistory } from './requests/get-history';
import { listRooms } from './requests/list-rooms';
import { react } from './requests/react';
import { hello } from './requests/hello';
import { joinRoom } from './requests/join-room';
import { ping } from './requests/ping';
import { sendMessage } from './requests/send-message';
import { setProfile } from './requests/set-profile';
import { typing } from './requests/typing';

/** The rg-chat-v1 requests, one row each (see `RequestSpec`). */
export const requestTable = [hello, setProfile, createRoom, joinRoom, sendMessage, ping] as const;

/** The extensions' requests, one row each, every one behind its `feature` (/work/shared/extensions.md). */
export const extensionTable = [getHistory, typing, deleteMessage, react, listRooms] as const;

/** Every request type a client may send: what the decoder dispatches through. */
export const allRequests = [...requestTable, ...extensionTable] as const;

/** Every request type core serves: the label values a metrics adapter may pre-resolve (`ChatMetrics.requestServed`). */
export const REQUEST_TYPES: readonly string[] = allRequests.map((spec) => spec.type);

/** A table the decoder dispatches through: the rows, looked up by `type`. */
export type RequestTable = readonly AnyRequestSpec[];

/** A validated, normalised request of rg-chat-v1 and the negotiated extensions: what core acts on. */
export type Request = RequestOf<(typeof allRequests)[number]>;
