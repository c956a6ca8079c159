import { Pool } from 'pg';
import type { Log } from '@rgchat/chat-core';
import { errText, poolConfig, type ResolvedOptions } from './postgres-options';

/**
 * A pool whose errors are logged, never thrown: an idle connection killed by
 * a server restart emits 'error' on the pool, and one checked out emits it
 * on the client; without a listener either would crash the process.
 */
export function createPool(o: ResolvedOptions, max: number, log: Log, role: string): Pool {
  const pool = new Pool(poolConfig(o, max));
  pool.on('error', (err) => log('warn', 'postgres idle connection failed', { role, err: errText(err) }));
  pool.on('connect', (client) => {
    client.on('error', (err) => log('warn', 'postgres connection failed', { role, err: errText(err) }));
  });
  return pool;
}
