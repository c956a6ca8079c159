import type { Message, Room } from '@rgchat/client';

/**
 * Terminal formatting. Text from the network is printed with control
 * characters made visible, so a message cannot move the cursor, clear the
 * screen or retitle the terminal.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/gu;
export const visible = (text: string): string => text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const time = (ts: number): string => new Date(ts).toTimeString().slice(0, 5);

export function formatMessage(m: Message, selfName: string | undefined): string {
  const name = visible(m.name);
  const text = visible(m.text);
  const mention = selfName !== undefined && new RegExp(`(^|\\W)@${escapeRegExp(selfName)}(\\W|$)`, 'iu').test(m.text) ? ' <-' : '';
  const reactions = m.reactions ? '  ' + Object.entries(m.reactions).map(([e, n]) => `${e}${n}`).join(' ') : '';
  return m.type === 'emote' ? `${time(m.ts)} * ${name} ${text}${reactions}${mention}` : `${time(m.ts)} <${name}> ${text}${reactions}${mention}`;
}

export function formatRooms(rooms: readonly Room[], active: string | undefined): string {
  if (!rooms.length) return 'no rooms yet: /join NAME creates one';
  return rooms
    .map((r) => {
      const online = r.online !== undefined ? `, ${r.online} online` : '';
      return `${r.id === active ? '*' : ' '} ${visible(r.id)}  (${visible(r.name)}: ${r.messageCount} messages${online})`;
    })
    .join('\n');
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
