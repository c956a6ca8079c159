import { createInterface } from 'node:readline';
import type { ChatClient } from '@rgchat/client';
import type { CliOptions } from './args.js';
import { formatMessage, formatRooms, visible } from './format.js';
import { describe, enter, openClient } from './session.js';

/**
 * The interactive chat: lines typed are sent to the active room, `/` lines
 * are commands. Incoming lines are printed above the prompt and the line
 * being typed is redrawn, so arriving messages never break it.
 */
export async function interactive(o: CliOptions): Promise<number> {
  const client = openClient(o);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true });
  const print = (text: string) => {
    if (process.stdout.isTTY) {
      process.stdout.clearLine(0);
      process.stdout.cursorTo(0);
    }
    process.stdout.write(text + '\n');
    rl.prompt(true);
  };
  const setPrompt = () => rl.setPrompt(`[${client.roomId ?? 'no room'}] ${client.self?.name ?? o.name}> `);

  client.on('state', (s) => print(`-- ${s}`));
  client.on('room', (v) => {
    setPrompt();
    print(`-- in ${visible(v.room.id)}: ${v.messages.length} recent messages, ${v.members.length} here`);
    for (const m of v.messages.slice(-20)) print(formatMessage(m, client.self?.name));
  });
  client.on('message', (m) => print(formatMessage(m, client.self?.name)));
  client.on('typing', (t) => t.length && print(`-- ${t.map((x) => visible(x.name)).join(', ')} typing…`));
  client.on('deleted', (e) => print(`-- message ${e.seq} deleted`));
  client.on('self', () => setPrompt());
  client.on('error', (e) => print(`!! ${e.code}: ${e.message}`));

  try {
    await client.ready;
  } catch (e) {
    process.stderr.write(`rgchat-cli: ${describe(e)}\n`);
    rl.close();
    return 1;
  }
  setPrompt();
  print(`-- connected to ${o.url} as ${client.self?.name}; /help for commands`);
  if (o.room !== undefined && client.roomId === undefined) await run(client, `/join ${o.room}`, print);

  return new Promise<number>((resolve) => {
    const quit = () => {
      client.close();
      rl.close();
      resolve(0);
    };
    rl.on('line', (line) => {
      if (line.trim() === '/quit') return quit();
      void run(client, line, print);
    });
    rl.on('close', quit);
    rl.on('SIGINT', quit);
  });
}

/** One typed line: a command, or a message for the active room. */
async function run(client: ChatClient, line: string, print: (text: string) => void): Promise<void> {
  const [command = '', ...rest] = line.trim().split(/\s+/u);
  const arg = rest.join(' ');
  try {
    switch (command) {
      case '':
        return;
      case '/help':
        return print('/join ROOM  /rooms  /nick NAME  /me TEXT  /history [N]  /quit');
      case '/join':
        if (!arg) return print('!! /join ROOM');
        await enter(client, arg);
        return;
      case '/rooms':
        return print(formatRooms(client.rooms, client.roomId));
      case '/nick': {
        const self = await client.setProfile({ name: arg });
        return print(`-- you are now ${visible(self.name)}`);
      }
      case '/me':
        await client.send(arg, { emote: true });
        return;
      case '/history': {
        const limit = Math.min(100, Number(arg) || 20);
        const before = client.messages[0]?.seq;
        const page = await client.history(before === undefined ? { limit } : { before, limit });
        for (const m of page.messages) print(formatMessage(m, client.self?.name));
        return print(page.hasMore ? '-- (more: /history again)' : '-- (start of the room)');
      }
      default:
        if (command.startsWith('/')) return print(`!! unknown command ${command}; /help`);
        await client.send(line.trim());
    }
  } catch (e) {
    print(`!! ${describe(e)}`);
  }
}
