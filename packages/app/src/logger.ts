import pino, { type DestinationStream, type Logger } from 'pino';
import type { Log } from '@rgchat/chat-core';
import type { LogLevelName } from './config';

/**
 * The process logger: one JSON object per line on stdout (or `destination`).
 * Levels are written as names ("info"), not pino's numbers, so a log reader
 * needs no lookup table. pino writes stdout synchronously by default, so a
 * line logged right before `process.exit` is not lost.
 */
export function createLogger(level: LogLevelName, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'rgchat', pid: process.pid },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Core's log function on top of pino. Core promises never to put message
 * text in `fields` at info; this adds nothing that could.
 */
export function toCoreLog(logger: Logger): Log {
  return (level, msg, fields) => {
    if (fields === undefined) logger[level](msg);
    else logger[level](fields, msg);
  };
}
