// rgchat's web chat: plain ES modules on the SDK, no build step. User text
// only ever reaches the page through textContent / text nodes, never as HTML.
import { connect } from './sdk/index.js';

const $ = (id) => document.getElementById(id);
const els = {
  status: $('status'),
  profileForm: $('profile-form'),
  nameInput: $('name-input'),
  avatarInput: $('avatar-input'),
  myAvatar: $('my-avatar'),
  shuffle: $('shuffle-avatar'),
  profileError: $('profile-error'),
  createForm: $('create-form'),
  createInput: $('create-input'),
  createError: $('create-error'),
  roomList: $('room-list'),
  roomTitle: $('room-title'),
  historyStatus: $('history-status'),
  messages: $('messages'),
  typing: $('typing'),
  sendForm: $('send-form'),
  messageInput: $('message-input'),
  sendButton: $('send-button'),
  sendError: $('send-error'),
  memberList: $('member-list'),
  memberCount: $('member-count'),
  toggleRooms: $('toggle-rooms'),
  roomsPanel: $('rooms-panel'),
};

// --- what this browser remembers (localStorage) ---
const store = {
  get: (k) => {
    try {
      return localStorage.getItem(`rgchat.${k}`);
    } catch {
      return null;
    }
  },
  set: (k, v) => {
    try {
      if (v === undefined || v === null) localStorage.removeItem(`rgchat.${k}`);
      else localStorage.setItem(`rgchat.${k}`, String(v));
    } catch {
      // Private mode: nothing is remembered, everything still works.
    }
  },
};
const randomId = (n) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
const sessionId = store.get('session') ?? randomId(24);
store.set('session', sessionId);
const savedName = store.get('name');
const profile = {
  name: savedName && /^\S{1,24}$/u.test(savedName) ? savedName : `guest${Math.floor(Math.random() * 9000 + 1000)}`,
  avatarId: Number(store.get('avatar') ?? Math.floor(Math.random() * 1000)),
};
/** The clientIds this browser has had: messages by them are "mine" (deletable). */
const mine = new Set(JSON.parse(store.get('mine') ?? '[]'));
/** Reactions this browser has given, `${messageId} ${emoji}`, so a click toggles. */
const myReactions = new Set();

const QUICK_EMOJI = ['👍', '❤️', '😂', '🎉', '😮'];

// --- avatars: a coloured disc with the name's initial, drawn with DOM nodes ---
function avatar(avatarId, name, el = document.createElement('span')) {
  el.className = 'avatar';
  el.style.setProperty('--hue', String((Number(avatarId) * 47) % 360));
  el.textContent = (name || '?').slice(0, 1).toUpperCase();
  el.setAttribute('aria-hidden', 'true');
  return el;
}

// --- the connection ---
const client = connect({
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`,
  profile,
  sessionId,
  ...(store.get('room') ? { roomId: store.get('room') } : {}),
});

const STATUS_TEXT = { connecting: 'Connecting…', open: 'Connected', reconnecting: 'Reconnecting…', closed: 'Disconnected: reload the page' };
client.on('state', (s) => {
  els.status.dataset.state = s;
  els.status.textContent = STATUS_TEXT[s];
  document.body.classList.toggle('offline', s !== 'open');
});

client.on('self', (self) => {
  mine.add(self.clientId);
  store.set('mine', JSON.stringify([...mine].slice(-50)));
  if (document.activeElement !== els.nameInput) els.nameInput.value = self.name;
  if (document.activeElement !== els.avatarInput) els.avatarInput.value = String(self.avatarId);
  avatar(self.avatarId, self.name, els.myAvatar);
  store.set('name', self.name);
  store.set('avatar', self.avatarId);
});

client.on('error', (e) => {
  if (e.requestType === 'hello') store.set('room', null);
  showError(els.sendError, e);
});

client.ready.then(() => {
  if (!client.roomId) els.roomTitle.textContent = 'Pick or create a room';
});

// --- profile ---
els.nameInput.value = profile.name;
els.avatarInput.value = String(profile.avatarId);
avatar(profile.avatarId, profile.name, els.myAvatar);
els.shuffle.addEventListener('click', () => {
  els.avatarInput.value = String(Math.floor(Math.random() * 1000));
  avatar(els.avatarInput.value, els.nameInput.value, els.myAvatar);
});
els.profileForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  els.profileError.textContent = '';
  const name = els.nameInput.value.trim();
  if (/\s/u.test(name)) return void (els.profileError.textContent = 'Names cannot contain spaces.');
  try {
    await client.setProfile({ name, avatarId: Number(els.avatarInput.value) || 0 });
  } catch (e) {
    showError(els.profileError, e);
  }
});

// --- rooms ---
function relativeTime(ts) {
  if (!ts) return 'no messages yet';
  const s = Math.max(0, (Date.now() - ts) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(ts).toLocaleDateString();
}

function renderRooms(rooms) {
  const items = rooms.map((r) => {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'room';
    button.dataset.roomId = r.id;
    if (r.id === client.roomId) button.setAttribute('aria-current', 'true');
    const name = document.createElement('span');
    name.className = 'room-name';
    name.textContent = r.name;
    const meta = document.createElement('span');
    meta.className = 'room-meta';
    const online = r.online !== undefined ? ` · ${r.online} online` : '';
    meta.textContent = `${r.messageCount} messages${online} · ${relativeTime(r.lastMessageTs)}`;
    button.append(name, meta);
    button.addEventListener('click', () => join(r.id));
    li.append(button);
    return li;
  });
  els.roomList.replaceChildren(...items);
}
client.on('rooms', renderRooms);

async function join(roomId) {
  els.sendError.textContent = '';
  try {
    await client.join(roomId);
    setRoomsOpen(false);
    els.messageInput.focus();
  } catch (e) {
    showError(els.sendError, e);
  }
}

els.createForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  els.createError.textContent = '';
  const name = els.createInput.value.trim();
  if (!name) return;
  try {
    const room = await client.createRoom(name);
    els.createInput.value = '';
    await join(room.id);
  } catch (e) {
    showError(els.createError, e);
  }
});

// --- messages ---
const nodes = new Map(); // message id -> <li>
let loadingOlder = false;
let reachedStart = false;

function mentionsMe(text) {
  const me = client.self?.name;
  if (!me) return false;
  const escaped = me.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w@])@${escaped}(?![\\w])`, 'iu').test(text);
}

/** The text with @name mentions wrapped in <mark>, as text nodes only. */
function textWithMentions(text) {
  const frag = document.createDocumentFragment();
  // A name has no spaces; punctuation right after it ("@bob,") is the sentence's.
  const re = /@[^\s@]{1,24}?(?=[.,!?;:)\]]*(\s|$))/gu;
  let at = 0;
  for (const m of text.matchAll(re)) {
    frag.append(document.createTextNode(text.slice(at, m.index)));
    const mark = document.createElement('mark');
    mark.className = 'at';
    mark.textContent = m[0];
    frag.append(mark);
    at = m.index + m[0].length;
  }
  frag.append(document.createTextNode(text.slice(at)));
  return frag;
}

function reactionBar(m) {
  const bar = document.createElement('div');
  bar.className = 'reactions';
  const counts = m.reactions ?? {};
  const emoji = [...new Set([...Object.keys(counts), ...QUICK_EMOJI])];
  for (const e of emoji) {
    const n = counts[e] ?? 0;
    const key = `${m.id} ${e}`;
    const b = document.createElement('button');
    b.type = 'button';
    b.className = n ? 'reaction has' : 'reaction quick';
    b.setAttribute('aria-pressed', myReactions.has(key) ? 'true' : 'false');
    b.setAttribute('aria-label', `${e} ${n}, ${myReactions.has(key) ? 'remove your reaction' : 'react'}`);
    b.textContent = n ? `${e} ${n}` : e;
    b.addEventListener('click', async () => {
      const on = !myReactions.has(key);
      try {
        await client.react(m.id, e, on);
        if (on) myReactions.add(key);
        else myReactions.delete(key);
      } catch (err) {
        showError(els.sendError, err);
      }
    });
    bar.append(b);
  }
  return bar;
}

function messageNode(m) {
  const li = document.createElement('li');
  li.className = `message ${m.type}`;
  li.dataset.id = m.id;
  li.dataset.seq = String(m.seq);
  if (mentionsMe(m.text)) li.classList.add('mention');
  const head = document.createElement('div');
  head.className = 'head';
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = m.name;
  const time = document.createElement('time');
  time.dateTime = new Date(m.ts).toISOString();
  time.textContent = new Date(m.ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  head.append(avatar(m.avatarId, m.name), who, time);
  if (mine.has(m.authorId)) {
    const del = document.createElement('button');
    del.type = 'button';
    del.className = 'delete';
    del.textContent = 'Delete';
    del.setAttribute('aria-label', 'Delete this message');
    del.addEventListener('click', async () => {
      try {
        await client.deleteMessage(m.id);
      } catch (e) {
        showError(els.sendError, e);
      }
    });
    head.append(del);
  }
  const body = document.createElement('p');
  body.className = 'text';
  if (m.type === 'emote') {
    const em = document.createElement('em');
    em.append(document.createTextNode(`* ${m.name} `), textWithMentions(m.text));
    body.append(em);
  } else {
    body.append(textWithMentions(m.text));
  }
  li.append(head, body, reactionBar(m));
  return li;
}

const nearBottom = () => els.messages.scrollHeight - els.messages.scrollTop - els.messages.clientHeight < 80;
const toBottom = () => (els.messages.scrollTop = els.messages.scrollHeight);

function renderAll() {
  nodes.clear();
  const items = client.messages.map((m) => {
    const li = messageNode(m);
    nodes.set(m.id, li);
    return li;
  });
  els.messages.replaceChildren(...items);
  toBottom();
}

client.on('room', (view) => {
  els.roomTitle.textContent = view.room.name;
  store.set('room', view.room.id);
  els.messageInput.disabled = false;
  els.sendButton.disabled = false;
  reachedStart = false;
  els.historyStatus.textContent = '';
  renderAll();
  renderMembers(view.members);
  renderRooms(client.rooms);
});

client.on('message', (m) => {
  const stick = nearBottom();
  const li = messageNode(m);
  nodes.set(m.id, li);
  // Recovered messages arrive in seq order after what is held; find the place anyway.
  const next = [...els.messages.children].find((c) => Number(c.dataset.seq) > m.seq);
  els.messages.insertBefore(li, next ?? null);
  if (stick || mine.has(m.authorId)) toBottom();
});

client.on('deleted', (e) => {
  nodes.get(e.messageId)?.remove();
  nodes.delete(e.messageId);
});

client.on('reaction', (e) => {
  const key = `${e.messageId} ${e.emoji}`;
  if (e.clientId === client.self?.clientId) {
    if (e.on) myReactions.add(key);
    else myReactions.delete(key);
  }
  const old = nodes.get(e.messageId);
  const m = client.messages.find((x) => x.id === e.messageId);
  if (!old || !m) return;
  old.querySelector('.reactions')?.replaceWith(reactionBar(m));
});

// Scrolling up loads older messages, keeping the view where it was.
els.messages.addEventListener('scroll', async () => {
  if (els.messages.scrollTop > 40 || loadingOlder || reachedStart || !client.roomId) return;
  const before = client.messages[0]?.seq;
  if (before === undefined || before <= 1) return;
  loadingOlder = true;
  els.historyStatus.textContent = 'Loading older messages…';
  const height = els.messages.scrollHeight;
  try {
    const page = await client.history({ before, limit: 50 });
    reachedStart = !page.hasMore;
    const frag = document.createDocumentFragment();
    for (const m of page.messages) {
      if (nodes.has(m.id)) continue;
      const li = messageNode(m);
      nodes.set(m.id, li);
      frag.append(li);
    }
    els.messages.prepend(frag);
    els.messages.scrollTop += els.messages.scrollHeight - height;
    els.historyStatus.textContent = reachedStart ? 'The beginning of the room.' : '';
  } catch (e) {
    els.historyStatus.textContent = '';
    showError(els.sendError, e);
  } finally {
    loadingOlder = false;
  }
});

// --- members and typing ---
function renderMembers(members) {
  // Several tabs of one person (one sessionId) share a userId: show them once.
  const people = new Map();
  for (const m of members) people.set(m.userId, m);
  const items = [...people.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => {
      const li = document.createElement('li');
      const name = document.createElement('span');
      name.textContent = m.name;
      li.append(avatar(m.avatarId, m.name), name);
      return li;
    });
  els.memberList.replaceChildren(...items);
  els.memberCount.textContent = `(${people.size})`;
}
client.on('presence', renderMembers);

client.on('typing', (typists) => {
  const names = typists.filter((t) => t.clientId !== client.self?.clientId).map((t) => t.name);
  els.typing.textContent = names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…` : `${names.slice(0, 3).join(', ')} are typing…`;
});

// --- sending ---
els.messageInput.addEventListener('input', () => client.typing(els.messageInput.value.trim() !== ''));
els.messageInput.addEventListener('blur', () => client.typing(false));
els.sendForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  els.sendError.textContent = '';
  const raw = els.messageInput.value.trim();
  if (!raw) return;
  const emote = /^\/(me|emote)(\s|$)/u.exec(raw);
  const text = emote ? raw.slice(emote[0].length).trim() : raw;
  if (!text) return;
  els.messageInput.value = '';
  try {
    await client.send(text, { emote: Boolean(emote) });
  } catch (e) {
    els.messageInput.value = raw;
    showError(els.sendError, e);
  }
});

// --- small things ---
function showError(el, e) {
  el.textContent = e && e.message ? e.message : String(e);
}

function setRoomsOpen(open) {
  els.roomsPanel.classList.toggle('open', open);
  els.toggleRooms.setAttribute('aria-expanded', String(open));
}
els.toggleRooms.addEventListener('click', () => setRoomsOpen(!els.roomsPanel.classList.contains('open')));

// Relative times in the room list age; refresh them now and then.
setInterval(() => renderRooms(client.rooms), 30_000);

// For tests and the curious: the client, on the page's own window.
window.rgchat = client;
