import type { Bus } from './ports/bus';
import type { Cancel, Clock } from './ports/clock';
import type { Log } from './ports/log';
import type { RoomStore } from './ports/store';
import type { RoomDirectory } from './room-directory';
import type { StoreGuard } from './store-guard';

export interface EmptyRoomSweepDeps {
  readonly store: RoomStore;
  readonly guard: StoreGuard;
  readonly bus: Bus;
  readonly directory: RoomDirectory;
  readonly clock: Clock;
  readonly log: Log;
  /** A room that never received a message is removed this long after its creation. */
  readonly ttlMs: number;
  /** Rooms with members connected to this instance; they are kept, empty or not. */
  readonly occupied: () => Iterable<string>;
}

const MIN_SWEEP_INTERVAL_MS = 1000;
const MAX_SWEEP_INTERVAL_MS = 3_600_000;

/**
 * How often the sweep runs: a 24th of the TTL, between 1 s and 1 h (hourly
 * for the default day). A room goes between `ttlMs` and `ttlMs` plus this
 * after its creation.
 */
export const sweepIntervalFor = (ttlMs: number): number =>
  Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(MIN_SWEEP_INTERVAL_MS, Math.round(ttlMs / 24)));

/**
 * One sweep: the store removes the empty rooms past their TTL (except the
 * occupied ones) and each removal is announced on the bus, so every
 * instance's directory drops it and clients' lists lose it at their next
 * push. Several instances may sweep at once: the store reports a room to
 * one of them only. Rooms this directory still holds that are past their
 * TTL and were not reported (another instance removed them and its event
 * was missed, or the store call timed out) are dropped locally too; if one
 * did get a message meanwhile, that message's event or the next resync
 * brings it back. Resolves with the ids the store removed; never rejects.
 */
export async function sweepEmptyRooms(deps: EmptyRoomSweepDeps): Promise<string[]> {
  const { store, guard, bus, directory, clock, log, ttlMs } = deps;
  const cutoff = clock.now() - ttlMs;
  const keep = new Set(deps.occupied());
  let removed: string[] = [];
  try {
    removed = await guard('removeEmptyRooms', () => store.removeEmptyRooms(cutoff, [...keep]));
  } catch {
    log('warn', 'empty room sweep failed; retrying at the next one');
  }
  for (const roomId of removed) bus.publish({ kind: 'room_removed', roomId });
  for (const id of directory.emptyCreatedBefore(cutoff)) if (!keep.has(id)) directory.remove(id);
  if (removed.length > 0) log('info', 'empty rooms removed', { count: removed.length, ttlMs });
  return removed;
}

/** Runs `sweepEmptyRooms` every `sweepIntervalFor(ttlMs)`, one at a time; `onSweep` runs beside it (other hourly housekeeping). */
export function startEmptyRoomSweep(deps: EmptyRoomSweepDeps, onSweep?: () => void): Cancel {
  let running = false;
  return deps.clock.every(sweepIntervalFor(deps.ttlMs), () => {
    onSweep?.();
    if (running) return;
    running = true;
    void sweepEmptyRooms(deps).finally(() => {
      running = false;
    });
  });
}
