// What this browser remembers between visits (localStorage): the session id
// (so the server knows it is the same author after a reload), the profile,
// the last room, and the connection ids it has had (its own messages).

const KEY = (k) => `rgchat.${k}`;

export const prefs = {
  get(k) {
    try {
      return localStorage.getItem(KEY(k));
    } catch {
      return null;
    }
  },
  set(k, v) {
    try {
      if (v === undefined || v === null) localStorage.removeItem(KEY(k));
      else localStorage.setItem(KEY(k), String(v));
    } catch {
      // Private mode or a full quota: nothing is remembered, everything still works.
    }
  },
};

const randomId = (n) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');

/** This browser's session id, made once. */
export function sessionId() {
  const id = prefs.get('session') ?? randomId(24);
  prefs.set('session', id);
  return id;
}

/** The saved profile, or a guest one. */
export function savedProfile() {
  const name = prefs.get('name');
  return {
    name: name && /^\S{1,24}$/u.test(name) ? name : `guest${Math.floor(Math.random() * 9000 + 1000)}`,
    avatarId: Number(prefs.get('avatar') ?? Math.floor(Math.random() * 1000)),
  };
}

/** The connection ids this browser has had; messages by them are its own (deletable). */
export function ownClientIds() {
  let ids = [];
  try {
    ids = JSON.parse(prefs.get('mine') ?? '[]');
  } catch {
    // A damaged value: start again.
  }
  const set = new Set(Array.isArray(ids) ? ids.filter((x) => typeof x === 'string') : []);
  return {
    has: (id) => set.has(id),
    add(id) {
      set.add(id);
      prefs.set('mine', JSON.stringify([...set].slice(-50)));
    },
  };
}
