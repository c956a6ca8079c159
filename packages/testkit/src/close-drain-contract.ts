import type { Connection } from '@rgchat/chat-core';
import type { HarnessSetup, TransportHarness } from './transport-harness';
import type { TestClient } from './ws-test-client';

/** Far more than loopback's kernel buffers hold for a reader that stopped early, so most of it waits in the server. */
const QUEUED_FRAMES = 256;
const PAD = 'q'.repeat(64 * 1024);
/** Room for everything queued: the send budget is not what this tests. */
const setup: HarnessSetup = { limits: { sendBudgetBytes: 64 * 1024 * 1024 } };

const filler = (n: number): string => JSON.stringify({ type: 'filler', n, pad: PAD });
const fillersIn = (c: TestClient): number[] => c.frames.filter((f) => f['type'] === 'filler').map((f) => Number(f['n']));

/** A greeted client that stopped reading, with QUEUED_FRAMES frames queued for it, then the stop: listener closed, every client closed with 1001. */
async function stopWithBacklog(h: TransportHarness): Promise<TestClient> {
  const c = await h.greet('slow');
  c.pauseReading();
  const connection = h.connections[0] as Connection;
  for (let n = 0; n < QUEUED_FRAMES; n++) connection.send(filler(n));
  await h.running.close();
  h.chat.close(1001, 'server shutting down');
  return c;
}

/**
 * Issue #10: a stop must not cut off what clients were sent. Once the server
 * closes a socket, everything queued before the close reaches the peer and
 * then the close frame, and `RunningTransport.settled` resolves only then,
 * so a process may exit after it; a peer that never reads again is
 * terminated at settled's deadline instead of holding the stop.
 */
export function describeCloseDrainContract(start: (setup?: HarnessSetup) => Promise<TransportHarness>, pausesReading: boolean): void {
  test('a client that stopped reading gets everything queued and then the 1001 close once it reads again; settled waits for that', async () => {
    const h = await start(setup);
    const c = await stopWithBacklog(h);
    let settled = false;
    const settling = h.running.settled(30_000).then(() => (settled = true));
    // The peer has not read what it was sent: the close is not complete, whatever the server's buffers say.
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    c.resumeReading();
    expect(await c.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    await settling;
    expect(fillersIn(c)).toEqual(Array.from({ length: QUEUED_FRAMES }, (_, n) => n));
  });

  test('a client that never reads again does not hold settled past its deadline: its socket is terminated', async () => {
    const h = await start(setup);
    const c = await stopWithBacklog(h);
    await h.running.settled(300);
    c.resumeReading();
    // Terminated, not closed: no close frame, and not everything queued arrived.
    expect((await c.closed).code).toBe(1006);
    expect(fillersIn(c).length).toBeLessThan(QUEUED_FRAMES);
  });

  if (pausesReading) {
    test('a connection core paused still reads the close answer: settled resolves with the handshake, not at its deadline', async () => {
      const h = await start();
      const c = await h.greet('paused');
      // A stop pauses reading on every connection (ChatServer.drain) before it closes them.
      h.connections[0]?.pauseReading?.();
      await h.running.close();
      h.chat.close(1001, 'server shutting down');
      // Unread, the peer's close frame would leave the close pending until settled's deadline.
      let halfway = false;
      const timer = setTimeout(() => (halfway = true), 10_000);
      await h.running.settled(20_000);
      clearTimeout(timer);
      expect(halfway).toBe(false);
      expect(await c.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    });
  }
}
