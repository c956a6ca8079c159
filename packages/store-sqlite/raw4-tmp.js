const Sqlite = require('better-sqlite3'); const fs = require('fs');
const [,, mode, B] = process.argv; const path = '/tmp/bench/raw4.db'; for (const s of ['', '-wal', '-shm']) fs.rmSync(path + s, { force: true });
const db = new Sqlite(mode === 'mem' ? ':memory:' : path); db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL'); db.pragma('foreign_keys = ON');
if (mode === 'tuned') { db.pragma('cache_size = -65536'); db.pragma('mmap_size = 268435456'); }
if (mode === 'ckpt') { db.pragma('wal_autocheckpoint = 10000'); }
db.exec(`CREATE TABLE rooms (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL, last_message_ts INTEGER NULL, message_count INTEGER NOT NULL DEFAULT 0);
CREATE INDEX rooms_last_message_ts ON rooms (last_message_ts);
CREATE TABLE messages (id TEXT PRIMARY KEY, room_id TEXT NOT NULL REFERENCES rooms (id), seq INTEGER NOT NULL, ts INTEGER NOT NULL, author_id TEXT NOT NULL, name TEXT NOT NULL, avatar_id INTEGER NOT NULL, type TEXT NOT NULL CHECK (type IN ('message', 'emote')), text TEXT NOT NULL);
CREATE UNIQUE INDEX messages_room_seq ON messages (room_id, seq);`);
for (let r = 0; r < 10; r++) db.prepare('INSERT INTO rooms (id,name,created_at) VALUES (?,?,1)').run('r' + r, 'r' + r);
const bump = db.prepare('UPDATE rooms SET message_count = message_count + 1, last_message_ts = ? WHERE id = ?');
const get = db.prepare('SELECT id, name, created_at, last_message_ts, message_count FROM rooms WHERE id = ?').raw();
const ins = db.prepare('INSERT INTO messages (id, room_id, seq, ts, author_id, name, avatar_id, type, text) VALUES (?,?,?,?,?,?,?,?,?)');
const tx = db.transaction((batch) => batch.map((m) => { if (bump.run(m.ts, m.roomId).changes !== 1) throw new Error('no room'); const row = get.get(m.roomId); ins.run(m.id, m.roomId, row[4], m.ts, m.authorId, m.name, m.avatarId, m.type, m.text); return row; }));
let n = 0; const N = 20000; const t0 = process.cpuUsage(); const w0 = Date.now();
for (let i = 0; i < N / B; i++) { const b = []; for (let j = 0; j < B; j++) b.push({ roomId: 'r' + (n % 10), id: 'msg_' + Date.now().toString(36) + (n++).toString(16).padStart(16, '0'), ts: Date.now(), authorId: 'conn_x', name: 'bob', avatarId: 1, type: 'message', text: 'x'.repeat(64) }); tx.immediate(b); }
const c = process.cpuUsage(t0); console.log(mode, B, 'user µs/msg', (c.user / n).toFixed(1), 'sys', (c.system / n).toFixed(1), 'wall', ((Date.now() - w0) * 1000 / n).toFixed(1));
