export { createMemoryStore, type MemoryStore } from './memory-store';
export { createFakeClock, type FakeClock } from './fake-clock';
export { createFakeConnection, type FakeConnection } from './fake-connection';
export { describeStoreContract, newMessage, type StoreHarness } from './store-contract';
export { connectClient, expectUpgradeStatus, type TestClient, type ConnectOptions, type ClosedEvent, type Frame } from './ws-test-client';
export { describeTransportContract, startTransportHarness, httpGet, waitUntil, type TransportHarness, type HarnessSetup, type TransportContractOptions } from './transport-contract';
export { describeBusContract, WIDE_MESSAGE_TEXT, type BusHarness, type BusContractOptions, type ContractBus } from './bus-contract';
export { rawExchange } from './raw-exchange';
