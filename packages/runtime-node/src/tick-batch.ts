/**
 * Runs deferred work once the current tick (and its promise jobs) is done.
 * The ws transport (its only user today) holds a socket's frames from its first send of a tick
 * and writes them here, so every frame a broadcast burst queues for one
 * socket leaves in one write instead of one per frame. One `nextTick` per
 * tick, not one per socket.
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
