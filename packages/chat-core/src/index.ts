// chat-core's public entry: the contract adapters and app build on. Anything
// else (policies, decoder, scheduler, wire helpers) is core's own and is
// imported by path only from core's tests.

// Ports: what core needs from the outside, and the one-instance default bus.
export type { Clock, Cancel } from './ports/clock';
export type { Ids } from './ports/ids';
export { silentLog, type Log, type LogLevel } from './ports/log';
export { noMetrics, type ChatMetrics, type ErrorCodeName } from './ports/metrics';
export type {
  ChatStore,
  RoomStore,
  MessageStore,
  HistoryStore,
  PageQuery,
  MessagePage,
  RoomRecord,
  MessageRecord,
  NewMessage,
  AppendResult,
  DeleteOutcome,
  ReactionChange,
  ReactOutcome,
  ReactionCounts,
  BanRecord,
  ModerationStore,
} from './ports/store';
export type { Bus, BusEvent } from './ports/bus';
export type { Connection, ConnectionEvents } from './ports/connection';
export type { Fanout } from './ports/fanout';
export type { Transport, TransportOptions, RunningTransport } from './ports/transport';
export { createMemoryBus } from './memory-bus';
export { createBusSubscribers } from './bus-subscribers';

// Server: the rg-chat-v1 server a transport and app hold.
export { createChatServer, type ChatServer, type ChatServerDeps, type ChatServerOptions } from './chat-server';
export type { StopPlan } from './spread-stop';
export type { ChatAdmin, AdminConnection } from './moderation/moderation';
export { parseNetwork } from './moderation/cidr';

// Edge: the decisions a transport maps its library onto.
export { createTransportEdge, type TransportEdge, type TransportEdgeOptions, type EdgeUpgrade } from './edge/transport-edge';
export { isUpgradeAttempt, type EdgeRequest } from './edge/upgrade-request';
export type { HttpAnswer } from './edge/http-answer';
export type { HttpReply, HttpRoute } from './edge/http-route';
export type { Admission } from './address-book';
export type { TransportSocket } from './edge/transport-socket';
export type { Peer, SocketEvents } from './edge/guarded-events';
export { OVERSIZE_SLACK_BYTES, fragmentBounds, idleBackstopSeconds } from './edge/frame-limits';

// Protocol: the wire types that appear in the contract above.
export type { MessageType, WireRoom } from './protocol/frames';

// Codecs: records and bus payloads built once for every store and bus.
export { messageRecord, storedMessage, roomAfter } from './message-record';
export { encodeBusEvent, decodeBusEvent, readRoomRecord, type BusEnvelope } from './bus-codec';
export { settleBatch, type Outcome, type Settler } from './batch-outcome';
export { createWriteHealth, WRITE_FAILURE_HOLD_MS, type WriteHealth } from './write-health';

// Extensions: the feature names a deployment may enable (config FEATURES).
export { FEATURE_NAMES, type Feature } from './features';
export { REQUEST_TYPES } from './request-table';

// Limits & errors: one validated limits object, error codes, close codes.
export { createLimits, defaultLimits, type Limits } from './limits';
export { ChatError, ErrorCode, isChatError } from './error-codes';
export { CloseCode } from './close-codes';
