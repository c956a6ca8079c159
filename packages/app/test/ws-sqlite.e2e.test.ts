import { describeEndToEnd } from './support/end-to-end-suite';

// The embedded default: ws transport, SQLite store, no extra variables.
describeEndToEnd('ws + sqlite', {});
