import { describeAbuseBattery } from './abuse-probes';

// Issue #10's battery on the ws transport (SQLite).
describeAbuseBattery('ws');
