/**
 * Runs deferred work once the current tick (and its promise jobs) is done: each socket's held
 * frames leave in one write per tick (ws-connection.ts), with one nextTick per tick, not per socket.
 */
export function createTickBatch(onError: (err: unknown) => void): (fn: () => void) => void {
  let queue: Array<() => void> = [];
  const run = (): void => {
    const batch = queue;
    queue = [];
    for (const fn of batch) {
      // One failure must not leave the other sockets' frames unwritten.
      try {
        fn();
      } catch (err) {
        onError(err);
      }
    }
  };
  return (fn) => {
    if (queue.push(fn) === 1) process.nextTick(run);
  };
}
