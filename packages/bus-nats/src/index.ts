/*
 * This entry never loads `nats` by itself: the settings and their rules are
 * driver-free, and the bus loads the client on first open. So app can
 * validate its configuration, and a SQLite user run, without the NATS
 * client ever being loaded.
 */
import type { NatsBus, NatsBusOptions } from './nats-bus';

export { DEFAULT_NATS_SUBJECT, DEFAULT_NATS_URL, natsServers, natsSettingProblem } from './nats-settings';
export type { NatsBus, NatsBusOptions } from './nats-bus';

/** Opens the NATS bus (see nats-bus.ts); `nats` loads on the first call. Rejects when the first connect fails. */
export async function openNatsBus(options: NatsBusOptions): Promise<NatsBus> {
  return (await import('./nats-bus')).openNatsBus(options);
}
