import type { ChatClient, Message } from '@rgchat/client';
import type { CliOptions } from './args.js';
import { deadline, describe, enter, openClient } from './session.js';

/** History pages are at most this long (the protocol's maximum). */
const PAGE = 100;

/**
 * `--tail`: one JSON line per message of the room, in seq order, each once,
 * until killed. With `--since`, first every stored message after that seq.
 * After a reconnect that could not recover exactly, the gap is paged in
 * from history, so the output stays complete.
 */
export async function tail(o: CliOptions, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const client = openClient(o);
  let last = o.since ?? 0;
  let catchingUp = true;
  const early: Message[] = [];
  const print = (m: Message) => {
    if (m.seq <= last) return;
    last = m.seq;
    out(JSON.stringify({ roomId: client.roomId, ...m }));
  };
  client.on('message', (m) => (catchingUp ? early.push(m) : print(m)));
  client.on('room', () => {
    if (!catchingUp) void catchUp(client, () => last, print).catch((e) => err(`rgchat-cli: ${describe(e)}`));
  });
  client.on('state', (s) => err(`rgchat-cli: ${s}`));
  try {
    await deadline(client.ready, o.timeoutS, 'connect');
    const room = await deadline(enter(client, o.room!), o.timeoutS, 'join');
    if (o.since === undefined) last = client.messages.at(-1)?.seq ?? 0;
    else await catchUp(client, () => last, print);
    catchingUp = false;
    for (const m of early.splice(0)) print(m);
    err(`rgchat-cli: tailing ${room.id} after seq ${last}`);
  } catch (e) {
    err(`rgchat-cli: ${describe(e)}`);
    client.close();
    return 1;
  }
  return new Promise<number>((resolve) => {
    const stop = () => {
      client.close();
      resolve(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    client.on('state', (s) => s === 'closed' && resolve(1));
  });
}

/** Prints every stored message after `last()`, page by page. */
async function catchUp(client: ChatClient, last: () => number, print: (m: Message) => void): Promise<void> {
  for (;;) {
    const page = await client.history({ after: last(), limit: PAGE });
    for (const m of page.messages) print(m);
    if (!page.hasMore) return;
  }
}
