import { stopAllApps } from '../support/app-process';
import { buildApp } from '../support/build-app';
import { dropClients } from '../support/chat-client';
import { describeAttackProbes } from './attack-probes';
import { removeBatteryDirs } from './battery-app';
import { createFigures } from './figures';
import { describeSmallHoleProbes } from './small-hole-probes';

/**
 * Issue #10's battery on one transport (SQLite store): every probe of the
 * issue against the built app process, one fresh process per probe, with
 * what must hold afterwards. Prints one line of figures at the end.
 */
export function describeAbuseBattery(transport: 'ws' | 'uws'): void {
  const label = `${transport} + sqlite`;
  describe(`abuse battery: ${label}`, () => {
    const env = { CHAT_TRANSPORT: transport };
    const figures = createFigures(label);
    beforeAll(() => buildApp(), 180_000);
    afterEach(async () => {
      dropClients();
      await stopAllApps();
      removeBatteryDirs();
    });
    afterAll(() => figures.print());

    describeAttackProbes(transport, env, figures);
    describeSmallHoleProbes(env, figures);
  });
}
