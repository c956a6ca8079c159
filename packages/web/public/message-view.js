// One message as DOM nodes. User text (names, messages, emoji counts) only
// ever becomes text nodes or textContent: a message that looks like HTML
// stays text.

const QUICK_EMOJI = ['👍', '❤️', '😂', '🎉', '😮'];

/** A coloured disc with the name's initial (the avatar number picks the colour). */
export function avatar(avatarId, name, el = document.createElement('span')) {
  el.className = 'avatar';
  el.style.setProperty('--hue', String((Number(avatarId) * 47) % 360));
  el.textContent = (name || '?').slice(0, 1).toUpperCase();
  el.setAttribute('aria-hidden', 'true');
  return el;
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether `text` mentions `name` as `@name`. */
export function mentions(text, name) {
  if (!name) return false;
  return new RegExp(`(^|[^\\w@])@${escapeRegExp(name)}(?![\\w])`, 'iu').test(text);
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

/**
 * Builds message nodes for one page. `client` is the SDK client, `own` says
 * which connection ids are this browser's, `onError` shows a failure.
 */
export function createMessageView({ client, own, onError }) {
  /** Reactions this browser has given, `${messageId} ${emoji}`, so a click toggles. */
  const given = new Set();

  function reactionBar(m) {
    const bar = document.createElement('div');
    bar.className = 'reactions';
    const counts = m.reactions ?? {};
    for (const e of new Set([...Object.keys(counts), ...QUICK_EMOJI])) {
      const n = counts[e] ?? 0;
      const key = `${m.id} ${e}`;
      const b = document.createElement('button');
      b.type = 'button';
      b.className = n ? 'reaction has' : 'reaction quick';
      b.setAttribute('aria-pressed', given.has(key) ? 'true' : 'false');
      b.setAttribute('aria-label', `${e} ${n}, ${given.has(key) ? 'remove your reaction' : 'react'}`);
      b.textContent = n ? `${e} ${n}` : e;
      b.addEventListener('click', async () => {
        const on = !given.has(key);
        try {
          await client.react(m.id, e, on);
          if (on) given.add(key);
          else given.delete(key);
        } catch (err) {
          onError(err);
        }
      });
      bar.append(b);
    }
    return bar;
  }

  function node(m) {
    const li = document.createElement('li');
    li.className = `message ${m.type}`;
    li.dataset.id = m.id;
    li.dataset.seq = String(m.seq);
    if (mentions(m.text, client.self?.name)) li.classList.add('mention');
    const head = document.createElement('div');
    head.className = 'head';
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = m.name;
    const time = document.createElement('time');
    time.dateTime = new Date(m.ts).toISOString();
    time.textContent = new Date(m.ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    head.append(avatar(m.avatarId, m.name), who, time);
    if (own.has(m.authorId)) {
      const del = document.createElement('button');
      del.type = 'button';
      del.className = 'delete';
      del.textContent = 'Delete';
      del.setAttribute('aria-label', 'Delete this message');
      del.addEventListener('click', () => client.deleteMessage(m.id).catch(onError));
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

  return {
    node,
    reactionBar,
    /** A `reaction` event: remember this browser's own, so its button toggles. */
    noteReaction(e) {
      if (e.clientId !== client.self?.clientId) return;
      const key = `${e.messageId} ${e.emoji}`;
      if (e.on) given.add(key);
      else given.delete(key);
    },
  };
}
