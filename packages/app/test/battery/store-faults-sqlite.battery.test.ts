import { describeStoreFaults } from './store-fault-probes';
import { sqliteFixture } from './store-fixtures';
import { describeSqliteDiskFull } from './sqlite-disk-full';

// Issue #10's store faults on SQLite (ws transport).
describeStoreFaults(sqliteFixture());
describeSqliteDiskFull();
