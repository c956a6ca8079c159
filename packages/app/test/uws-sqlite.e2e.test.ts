import { describeEndToEnd } from './support/end-to-end-suite';

// The uWebSockets.js transport (native binary) on the SQLite store: the same contract as ws + SQLite.
describeEndToEnd('uws + sqlite', { CHAT_TRANSPORT: 'uws' });
