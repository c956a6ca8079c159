import { describeEndToEnd } from './support/end-to-end-suite';
import { describePostgres, dropSchema, freshSchema, postgresEnv } from './support/postgres-env';

// The last corner of the transport x store matrix: the uWebSockets.js
// transport (native topics for fan-out) on the Postgres store and its
// LISTEN/NOTIFY bus, in a schema of its own that is dropped afterwards.
describePostgres('uws + postgres', () => {
  const schema = freshSchema();
  afterAll(() => dropSchema(schema));
  describeEndToEnd('uws + postgres', { CHAT_TRANSPORT: 'uws', ...postgresEnv(schema) });
});
