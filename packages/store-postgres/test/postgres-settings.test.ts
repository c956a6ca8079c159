import { busChannelFor, MAX_SCHEMA_NAME_CHARS, openPostgresStorage, postgresSettingProblem, postgresSettingsProblems } from '../src';

describe('postgres settings', () => {
  test('each schema gets its own channel, and the longest allowed schema still fits in 63 bytes', () => {
    expect(busChannelFor('public')).toBe('rgchat_events');
    expect(busChannelFor('chat_eu')).toBe('rgchat_events_chat_eu');
    expect(MAX_SCHEMA_NAME_CHARS).toBe(49);
    expect(Buffer.byteLength(busChannelFor('s'.repeat(MAX_SCHEMA_NAME_CHARS)))).toBe(63);
  });

  test.each(['public', 'chat_eu', '_x', 's'.repeat(49)])('schema %j is usable', (schema) => {
    expect(postgresSettingProblem('schema', schema)).toBeUndefined();
  });

  test.each(['Chat', 'chat-eu', '1chat', 'pg_chat', 'sch ema', '', 's'.repeat(50), '"public"'])('schema %j is refused', (schema) => {
    expect(postgresSettingProblem('schema', schema)).toEqual(expect.any(String));
  });

  test('urls and pool sizes', () => {
    expect(postgresSettingProblem('url', 'postgres://u:p@db:5432/chat')).toBeUndefined();
    expect(postgresSettingProblem('url', 'postgresql://db/chat?sslmode=require')).toBeUndefined();
    expect(postgresSettingProblem('url', 'mysql://db/chat')).toMatch(/postgres:\/\//);
    expect(postgresSettingProblem('url', 'postgres://[bad')).toMatch(/not a valid URL/);
    expect(postgresSettingProblem('poolSize', 1)).toBeUndefined();
    expect(postgresSettingProblem('poolSize', 1000)).toBeUndefined();
    for (const bad of [0, 1001, 2.5]) expect(postgresSettingProblem('poolSize', bad)).toMatch(/1 to 1000/);
  });

  test('every bad setting is named at once, and openPostgresStorage refuses them before connecting', async () => {
    const bad = { url: 'mysql://db', schema: 'Bad', poolSize: 0 };
    expect(postgresSettingsProblems(bad).map((p) => p.split(' ', 1)[0])).toEqual(['url', 'schema', 'poolSize']);
    await expect(openPostgresStorage({ ...bad, instanceId: 'i' })).rejects.toThrow(/url .*schema .*poolSize /);
  });
});
