import type { ChatServer } from '../chat-server-contract';
import type { HttpRoute } from '../edge/http-route';
import type { Fanout } from './fanout';
import type { Log } from './log';

/** What every transport adapter takes. Limits (payload, send budget, heartbeat) come from `chat.limits`. */
export interface TransportOptions {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly log?: Log;
  /** Take the client address from X-Forwarded-For (only behind a proxy you run). Default false. */
  readonly trustProxy?: boolean;
  /**
   * How long a client may take to send a request's headers before the
   * connection is cut, in ms. Default 5000. Transports whose library has a
   * fixed timeout of its own (uWS: about 10 s) ignore it.
   */
  readonly httpHeadersTimeoutMs?: number;
  /** Plain-HTTP routes beyond core's own (the web page, metrics, admin), asked in order after core's. */
  readonly routes?: readonly HttpRoute[];
}

/** A listening transport. */
export interface RunningTransport {
  /** The port actually bound. */
  readonly port: number;
  /**
   * Still listening, refuses new sockets (503) and answers `/healthz` 503, so
   * a load balancer stops routing here while the open sockets are let go
   * (`ChatServer.stop`). Idempotent.
   */
  refuse(): void;
  /** Stops accepting connections and HTTP requests; does not close open sockets (core does, with 1001/1012). Idempotent. */
  close(): Promise<void>;
  /**
   * Resolves once every close core asked for is complete (the peer has read
   * everything sent before the close frame, which is then on its way), or
   * after `withinMs`, terminating the sockets still closing: after it a
   * stopping process may exit without cutting off what clients were sent.
   */
  settled(withinMs: number): Promise<void>;
}

/**
 * A transport in two steps, because a native pub/sub transport (uWS topics)
 * must hand its `fanout` to core before core exists: create, build the chat
 * server with `fanout`, then `start(chat)`.
 */
export interface Transport {
  /** Native fan-out, if the library has one; core's default loop otherwise. */
  readonly fanout: Fanout | undefined;
  start(chat: ChatServer): Promise<RunningTransport>;
}
