import { describeMemoryBoundsContract, describeTransportContract, rawExchange, startTransportHarness, type TransportHarness } from '@rgchat/testkit';
import { createWsTransport } from '../src';

describeTransportContract('ws', createWsTransport, { pausesReading: true });
describeMemoryBoundsContract('ws', createWsTransport, { countsFragments: true });

describe('ws transport specifics', () => {
  let h: TransportHarness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  test('an unparsable HTTP request gets 400 and the server keeps serving', async () => {
    h = await startTransportHarness(createWsTransport);
    expect(await rawExchange(h.running.port, 'NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    const c = await h.greet('alice');
    c.send({ type: 'ping', ts: 'ok' });
    await c.next('pong');
  });
});
