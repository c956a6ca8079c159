/** Something with held work to finish once the current tick is done. */
export interface Flushable {
  flush(): void;
}

/**
 * Runs deferred work once the current tick (and its promise jobs) is done: each socket's held
 * frames leave in one write per tick (ws-connection.ts), with one nextTick per tick, not per socket.
 * It takes objects, not functions, so a socket needs no bound function of its own to be deferred.
 */
export function createTickBatch(onError: (err: unknown) => void): (item: Flushable) => void {
  let queue: Flushable[] = [];
  const run = (): void => {
    const batch = queue;
    queue = [];
    for (const item of batch) {
      // One failure must not leave the other sockets' frames unwritten.
      try {
        item.flush();
      } catch (err) {
        onError(err);
      }
    }
  };
  return (item) => {
    if (queue.push(item) === 1) process.nextTick(run);
  };
}
