import type { CliOptions } from './args.js';
import { deadline, describe, enter, openClient } from './session.js';

/**
 * `--send`: enter the room, post once, exit 0 when the server has stored it
 * (printing its id and seq), 1 otherwise. The SDK sends under a clientMsgId,
 * so a reconnect in between re-sends it without posting it twice.
 */
export async function sendOnce(o: CliOptions, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const client = openClient(o);
  try {
    await deadline(client.ready, o.timeoutS, 'connect');
    const room = await deadline(enter(client, o.room!), o.timeoutS, 'join');
    const receipt = await deadline(client.send(o.send!, { emote: o.emote }), o.timeoutS, 'send');
    out(JSON.stringify({ roomId: room.id, id: receipt.id, seq: receipt.seq, ts: receipt.ts, duplicate: receipt.duplicate === true }));
    return 0;
  } catch (e) {
    err(`rgchat-cli: not sent: ${describe(e)}`);
    return 1;
  } finally {
    client.close();
  }
}
