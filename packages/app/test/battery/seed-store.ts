import { openSqliteStore } from '@rgchat/store-sqlite';

/** A 400-character text: a full room's join answer is then ~215 KB, as in issue #10's finding 4. */
const LONG_TEXT = 'x'.repeat(400);

/**
 * Returns a seed for `startBatteryApp` that writes straight into the SQLite
 * file before the app starts: `emptyRooms` rooms without messages and
 * `fullRooms` rooms of `messagesPerRoom` messages each. Seeding through the
 * store, not the protocol, keeps the probes' rate limits as shipped.
 */
export function seedRooms({ emptyRooms = 0, fullRooms = [] as readonly string[], messagesPerRoom = 500 }) {
  return async (path: string): Promise<void> => {
    const store = await openSqliteStore({ path });
    try {
      const createdAt = Date.now() - 60_000;
      await Promise.all(Array.from({ length: emptyRooms }, (_, i) => store.createRoom({ id: `seeded-${i}`, name: `seeded ${i}`, createdAt })));
      for (const id of fullRooms) {
        await store.createRoom({ id, name: id, createdAt });
        for (let i = 0; i < messagesPerRoom; i += 100) {
          await Promise.all(
            Array.from({ length: Math.min(100, messagesPerRoom - i) }, (_, k) =>
              store.appendMessage({ roomId: id, id: `seed-${id}-${i + k}`, ts: createdAt + i + k, authorId: 'seeder', name: 'seeder', avatarId: 0, type: 'message', text: LONG_TEXT }),
            ),
          );
        }
      }
    } finally {
      await store.close();
    }
  };
}
