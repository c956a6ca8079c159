import type { RoomRecord } from './ports/store';
import { createRoomDirectory } from './room-directory';

const room = (messageCount: number, lastMessageTs: number): RoomRecord => ({ id: 'r', name: 'r', createdAt: 1, messageCount, lastMessageTs });

// Deletes lower a room's count, so "a lower count is older news" no longer
// holds; with the room's seq counter, 2 * lastSeq - messageCount orders every
// change (issue #11).
describe('room directory: changes ordered by the seq counter', () => {
  test('a delete lowers the count; a message that came after the delete wins over it whatever the arrival order', () => {
    const inOrder = createRoomDirectory(10);
    inOrder.upsert(room(5, 100), 5);
    inOrder.upsert(room(4, 100), 5); // delete: counter 5, count 4
    expect(inOrder.get('r')?.messageCount).toBe(4);
    inOrder.upsert(room(5, 200), 6); // the next message
    expect(inOrder.get('r')?.messageCount).toBe(5);

    const reordered = createRoomDirectory(10);
    reordered.upsert(room(5, 100), 5);
    reordered.upsert(room(5, 200), 6); // the message after the delete arrives first
    const version = reordered.version;
    reordered.upsert(room(4, 100), 5); // the delete arrives late: older, ignored
    expect(reordered.get('r')).toEqual(room(5, 200));
    expect(reordered.version).toBe(version);
  });

  test('an older message event never overwrites a newer state', () => {
    const d = createRoomDirectory(10);
    d.upsert(room(3, 300), 3);
    d.upsert(room(2, 200), 2);
    expect(d.get('r')).toEqual(room(3, 300));
  });
});
