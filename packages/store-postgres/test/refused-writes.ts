import { withAdmin } from './pg-test-env';

/**
 * Postgres' own "disk full" (SQLSTATE 53100), for tests of what happens when
 * the database still answers reads but refuses writes (issue #10 item 7).
 */
export const DISK_FULL = '53100';

const quoted = (schema: string) => `"${schema.replace(/"/g, '""')}"`;

/**
 * Makes every INSERT or UPDATE on `tables` of `schema` fail with DISK_FULL,
 * through a trigger: only that schema changes (a role or database setting
 * would reach other tests sharing the server), and dropping the schema
 * removes it all.
 */
export const refuseWrites = (schema: string, tables: readonly string[]): Promise<void> =>
  withAdmin(async (c) => {
    const s = quoted(schema);
    await c.query(`
      CREATE OR REPLACE FUNCTION ${s}.refuse_writes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full';
      END $$`);
    for (const t of tables) {
      await c.query(`CREATE TRIGGER refuse_writes BEFORE INSERT OR UPDATE ON ${s}.${t} FOR EACH STATEMENT EXECUTE FUNCTION ${s}.refuse_writes()`);
    }
  });

/** Undoes `refuseWrites` on `tables`. */
export const allowWrites = (schema: string, tables: readonly string[]): Promise<void> =>
  withAdmin(async (c) => {
    for (const t of tables) await c.query(`DROP TRIGGER refuse_writes ON ${quoted(schema)}.${t}`);
  });
