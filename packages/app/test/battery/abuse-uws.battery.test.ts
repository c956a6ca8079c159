import { describeAbuseBattery } from './abuse-probes';

// Issue #10's battery on the uWebSockets.js transport (SQLite).
describeAbuseBattery('uws');
