/** Closes one started part; `code` is the WebSocket close code clients are sent (1001, 1012). */
export type Closer = (code: number) => void | Promise<void>;

/**
 * What the app started, in start order, so stopping can undo it in reverse:
 * a part is started after what it depends on (the listener after the chat
 * server, the chat server after its store and bus), so it stops before them.
 */
export interface CloseStack {
  /** Records how to close a part that just started. */
  push(name: string, close: Closer): void;
  /**
   * Closes every part, last started first, each after the previous one
   * settled. A part that fails to close does not keep the rest open: they
   * close, then the promise rejects with the first failure. Idempotent:
   * later calls return the first call's promise.
   */
  closeAll(code: number): Promise<void>;
}

export function createCloseStack(): CloseStack {
  const parts: Array<{ name: string; close: Closer }> = [];
  let closing: Promise<void> | undefined;
  return {
    push(name, close) {
      parts.push({ name, close });
    },
    closeAll(code) {
      closing ??= (async () => {
        const failures: Error[] = [];
        for (let part = parts.pop(); part; part = parts.pop()) {
          try {
            await part.close(code);
          } catch (err) {
            failures.push(new Error(`closing ${part.name} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
          }
        }
        if (failures[0]) throw failures[0];
      })();
      return closing;
    },
  };
}
