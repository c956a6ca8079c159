// rgchat's web chat: plain ES modules on the SDK, no build step. User text
// only ever reaches the page through textContent / text nodes, never as HTML.
import { connect } from './sdk/index.js';
import { avatar, createMessageView } from './message-view.js';
import { ownClientIds, prefs, savedProfile, sessionId } from './prefs.js';

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

// --- the connection ---
const profile = savedProfile();
const mine = ownClientIds();
const client = connect({
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`,
  profile,
  sessionId: sessionId(),
  ...(prefs.get('room') ? { roomId: prefs.get('room') } : {}),
});
const view = createMessageView({ client, own: mine, onError: (e) => showError(els.sendError, e) });

const STATUS_TEXT = { connecting: 'Connecting…', open: 'Connected', reconnecting: 'Reconnecting…', closed: 'Disconnected: reload the page' };
client.on('state', (s) => {
  els.status.dataset.state = s;
  els.status.textContent = STATUS_TEXT[s];
  document.body.classList.toggle('offline', s !== 'open');
});

client.on('self', (self) => {
  mine.add(self.clientId);
  if (document.activeElement !== els.nameInput) els.nameInput.value = self.name;
  if (document.activeElement !== els.avatarInput) els.avatarInput.value = String(self.avatarId);
  avatar(self.avatarId, self.name, els.myAvatar);
  prefs.set('name', self.name);
  prefs.set('avatar', self.avatarId);
});

client.on('error', (e) => {
  if (e.requestType === 'hello') prefs.set('room', null);
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

const nearBottom = () => els.messages.scrollHeight - els.messages.scrollTop - els.messages.clientHeight < 80;
const toBottom = () => (els.messages.scrollTop = els.messages.scrollHeight);

function renderAll() {
  nodes.clear();
  const items = client.messages.map((m) => {
    const li = view.node(m);
    nodes.set(m.id, li);
    return li;
  });
  els.messages.replaceChildren(...items);
  toBottom();
}

client.on('room', (view) => {
  els.roomTitle.textContent = view.room.name;
  prefs.set('room', view.room.id);
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
  const li = view.node(m);
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
  view.noteReaction(e);
  const old = nodes.get(e.messageId);
  const m = client.messages.find((x) => x.id === e.messageId);
  if (!old || !m) return;
  old.querySelector('.reactions')?.replaceWith(view.reactionBar(m));
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
      const li = view.node(m);
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
