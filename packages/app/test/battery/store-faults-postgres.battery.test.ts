import { describePostgres } from '../support/postgres-env';
import { describePostgresRefusedWrites } from './postgres-refused-writes';
import { describeStoreFaults } from './store-fault-probes';
import { postgresFixture } from './store-fixtures';

// Issue #10's store faults on Postgres (ws transport), through a proxy that can stall the connection.
describePostgres('store-fault battery on postgres', () => {
  describeStoreFaults(postgresFixture());
  describePostgresRefusedWrites();
});
