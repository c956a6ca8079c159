export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Structured log sink. `fields` never carries message text at info level;
 * the app maps this onto pino.
 */
export type Log = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

/** A sink that drops everything; handy in tests. */
export const silentLog: Log = () => {};
