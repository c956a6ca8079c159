export { createMemoryStore, type MemoryStore } from './memory-store';
export { createFakeClock, type FakeClock } from './fake-clock';
export { createFakeConnection, type FakeConnection } from './fake-connection';
export { describeStoreContract, newMessage, type StoreHarness } from './store-contract';
