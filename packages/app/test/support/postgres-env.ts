/**
 * Postgres for the app's tests. The helpers come from store-postgres's own
 * tests, so one place decides skip-or-fail when the server is unreachable
 * (CI=true fails) and how our backends are named and killed. They are
 * imported from there rather than from testkit because they need `pg`, which
 * only store-postgres depends on.
 */
import { RUN_ID, urlFor } from '../../../store-postgres/test/pg-test-env';

export {
  BASE_URL,
  RUN_ID,
  countBackends,
  describePostgres,
  dropSchema,
  freshSchema,
  killBackends,
  withAdmin,
} from '../../../store-postgres/test/pg-test-env';
export { startTcpProxy, type TcpProxy } from '../../../store-postgres/test/tcp-proxy';
export { allowWrites, refuseWrites } from '../../../store-postgres/test/refused-writes';

/** application_name of every connection the app processes of this test file open: what `killBackends(APP_NAME)` hits. */
export const APP_NAME = `${RUN_ID}_app`;

/** The app's environment for Postgres storage in `schema`, via `base` (default: the test server). */
export function postgresEnv(schema: string, base?: string): Record<string, string> {
  return { DATABASE_URL: urlFor(APP_NAME, base), DATABASE_SCHEMA: schema };
}
