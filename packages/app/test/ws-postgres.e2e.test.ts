import { describeEndToEnd } from './support/end-to-end-suite';
import { describePostgres, dropSchema, freshSchema, postgresEnv } from './support/postgres-env';

// The whole end-to-end suite with DATABASE_URL set: ws transport, Postgres store
// and LISTEN/NOTIFY bus, in a schema of its own that is dropped afterwards.
describePostgres('ws + postgres', () => {
  const schema = freshSchema();
  afterAll(() => dropSchema(schema));
  describeEndToEnd('ws + postgres', postgresEnv(schema));
});
