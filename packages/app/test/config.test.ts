import { createLimits, defaultLimits } from '@rgchat/chat-core';
import { ConfigError, loadConfig, MIN_ADMIN_TOKEN_CHARS, type AppConfig } from '../src/config';
import { redactUrl, summarizeConfig } from '../src/config-summary';

const load = (env: Record<string, string>): AppConfig => loadConfig(env, '/srv/rgchat');

/** The problems a bad environment is refused with (fails the test if it is accepted). */
function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    load(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  test('an empty environment gives the documented defaults', () => {
    const c = load({});
    expect(c.storage).toEqual({ kind: 'sqlite', path: '/srv/rgchat/data/chat.db', synchronous: 'normal' });
    expect(c.transport).toEqual({ kind: 'ws', host: '0.0.0.0', port: 8080, trustProxy: false });
    expect(c.limits).toEqual(defaultLimits);
    expect(c.limits).toMatchObject({
      maxMessageLength: 400,
      maxNameLength: 24,
      maxRoomNameLength: 40,
      historyLimit: 500,
      rateLimitPerSec: 10,
      rateLimitBurst: 30,
      heartbeatMs: 30_000,
      maxPayloadBytes: 65_536,
      sendBudgetBytes: 1_048_576,
    });
    expect(c.allowedOrigins).toBeUndefined();
    expect(c.logLevel).toBe('info');
    expect(c.shutdownTimeoutMs).toBe(5000);
  });

  test('every variable is read into the nested config', () => {
    const c = load({
      HOST: '127.0.0.1',
      PORT: '0',
      CHAT_TRANSPORT: 'uws',
      SQLITE_PATH: '/var/lib/rgchat/chat.db',
      SQLITE_SYNCHRONOUS: 'full',
      ALLOWED_ORIGINS: 'https://a.example.org, http://localhost:3000',
      MAX_MESSAGE_LENGTH: '1000',
      MAX_NAME_LENGTH: '32',
      MAX_ROOM_NAME_LENGTH: '64',
      HISTORY_LIMIT: '200',
      RATE_LIMIT_PER_SEC: '5',
      RATE_LIMIT_BURST: '20',
      MAX_PENDING_REQUESTS: '64',
      HEARTBEAT_INTERVAL_MS: '10000',
      MAX_PAYLOAD_BYTES: '16384',
      MAX_FRAGMENTS_PER_MESSAGE: '16',
      SEND_BUDGET_BYTES: '262144',
      LOG_LEVEL: 'debug',
      TRUST_PROXY: 'true',
      SHUTDOWN_TIMEOUT_MS: '2000',
      DRAIN_MS: '1000',
      WEB_CLIENT: 'false',
      ADMIN_TOKEN: 'x'.repeat(MIN_ADMIN_TOKEN_CHARS),
    });
    expect(c).toEqual({
      storage: { kind: 'sqlite', path: '/var/lib/rgchat/chat.db', synchronous: 'full' },
      bus: { kind: 'none' },
      transport: { kind: 'uws', host: '127.0.0.1', port: 0, trustProxy: true },
      limits: {
        ...defaultLimits,
        maxMessageLength: 1000,
        maxNameLength: 32,
        maxRoomNameLength: 64,
        historyLimit: 200,
        rateLimitPerSec: 5,
        rateLimitBurst: 20,
        maxPendingRequests: 64,
        heartbeatMs: 10_000,
        maxPayloadBytes: 16_384,
        maxFragmentsPerMessage: 16,
        sendBudgetBytes: 262_144,
      },
      allowedOrigins: ['https://a.example.org', 'http://localhost:3000'],
      logLevel: 'debug',
      shutdownTimeoutMs: 2000,
      drainMs: 1000,
      webClient: false,
      adminToken: 'x'.repeat(MIN_ADMIN_TOKEN_CHARS),
      metrics: { kind: 'public' },
    });
  });

  test('ADMIN_TOKEN: unset means no admin API; a short or spaced token is refused; it never reaches the summary', () => {
    expect(load({}).adminToken).toBeUndefined();
    const token = 'a'.repeat(MIN_ADMIN_TOKEN_CHARS);
    expect(load({ ADMIN_TOKEN: token }).adminToken).toBe(token);
    expect(() => load({ ADMIN_TOKEN: 'a'.repeat(MIN_ADMIN_TOKEN_CHARS - 1) })).toThrow(/ADMIN_TOKEN must be at least 24 characters/);
    expect(() => load({ ADMIN_TOKEN: `${token} x` })).toThrow(/ADMIN_TOKEN must be printable ASCII without spaces/);
    expect(JSON.stringify(summarizeConfig(load({ ADMIN_TOKEN: token })))).not.toContain(token);
    expect(summarizeConfig(load({ ADMIN_TOKEN: token }))).toMatchObject({ adminApi: 'on' });
  });

  test('DRAIN_MS: 2 s by default, at most 40 % of SHUTDOWN_TIMEOUT_MS when unset, refused above half of it', () => {
    expect(load({}).drainMs).toBe(2000);
    expect(load({ SHUTDOWN_TIMEOUT_MS: '1000' }).drainMs).toBe(400);
    expect(load({ DRAIN_MS: '0' }).drainMs).toBe(0);
    expect(load({ SHUTDOWN_TIMEOUT_MS: '30000', DRAIN_MS: '15000' }).drainMs).toBe(15_000);
    expect(() => load({ DRAIN_MS: '2501' })).toThrow(/DRAIN_MS must be at most half of SHUTDOWN_TIMEOUT_MS \(5000 ms\)/);
    expect(() => load({ DRAIN_MS: '-1' })).toThrow(/DRAIN_MS/);
  });

  test('the result is deeply frozen', () => {
    const c = load({ ALLOWED_ORIGINS: 'https://a.example.org' });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.transport)).toBe(true);
    expect(Object.isFrozen(c.limits)).toBe(true);
    expect(Object.isFrozen(c.allowedOrigins)).toBe(true);
  });

  test('a postgres DATABASE_URL selects postgres storage and SQLITE_PATH is ignored', () => {
    expect(load({ DATABASE_URL: 'postgres://u:p@db:5432/chat', SQLITE_PATH: 'x.db' }).storage).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db:5432/chat',
      schema: 'public',
      poolSize: 10,
    });
    expect(load({ DATABASE_URL: 'postgresql://db/chat?sslmode=require' }).storage.kind).toBe('postgres');
  });

  test('DATABASE_SCHEMA and DATABASE_POOL_SIZE reach the postgres storage config', () => {
    expect(load({ DATABASE_URL: 'postgres://db/chat', DATABASE_SCHEMA: 'chat_eu', DATABASE_POOL_SIZE: '25' }).storage).toEqual({
      kind: 'postgres',
      url: 'postgres://db/chat',
      schema: 'chat_eu',
      poolSize: 25,
    });
    // 49 characters is the longest schema whose bus channel (rgchat_events_<schema>) fits in 63 bytes.
    expect(load({ DATABASE_URL: 'postgres://db/chat', DATABASE_SCHEMA: 's'.repeat(49) }).storage).toMatchObject({ schema: 's'.repeat(49) });
  });

  test.each(['Chat', 'chat-eu', '1chat', 'pg_chat', 'sch ema', '', 's'.repeat(50), '"public"'])('DATABASE_SCHEMA=%j is refused', (value) => {
    const problems = problemsOf({ DATABASE_URL: 'postgres://db/chat', DATABASE_SCHEMA: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DATABASE_SCHEMA /);
  });

  test.each(['0', '1001', 'ten', ''])('DATABASE_POOL_SIZE=%j is refused', (value) => {
    const problems = problemsOf({ DATABASE_URL: 'postgres://db/chat', DATABASE_POOL_SIZE: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DATABASE_POOL_SIZE /);
  });

  test('STORAGE and BUS default from DATABASE_URL: set means postgres for both, unset sqlite and none', () => {
    expect(load({}).bus).toEqual({ kind: 'none' });
    const pg = load({ DATABASE_URL: 'postgres://db/chat' });
    expect([pg.storage.kind, pg.bus.kind]).toEqual(['postgres', 'postgres']);
    const explicit = load({ STORAGE: 'postgres', BUS: 'postgres', DATABASE_URL: 'postgres://db/chat' });
    expect([explicit.storage.kind, explicit.bus.kind]).toEqual(['postgres', 'postgres']);
  });

  test('STORAGE=sqlite wins over a set DATABASE_URL, which is then unused', () => {
    const c = load({ STORAGE: 'sqlite', DATABASE_URL: 'postgres://db/chat' });
    expect(c.storage).toEqual({ kind: 'sqlite', path: '/srv/rgchat/data/chat.db', synchronous: 'normal' });
    expect(c.bus).toEqual({ kind: 'none' });
  });

  test('BUS=none on postgres is a single instance on Postgres', () => {
    const c = load({ DATABASE_URL: 'postgres://db/chat', BUS: 'none' });
    expect(c.storage.kind).toBe('postgres');
    expect(c.bus).toEqual({ kind: 'none' });
  });

  test('STORAGE=postgres without DATABASE_URL, or an empty one, is refused', () => {
    expect(problemsOf({ STORAGE: 'postgres' })).toEqual(['STORAGE is postgres, which needs DATABASE_URL']);
    expect(problemsOf({ STORAGE: 'postgres', DATABASE_URL: ' ' })).toEqual(['STORAGE is postgres, which needs DATABASE_URL']);
  });

  test('BUS=postgres needs postgres storage and so DATABASE_URL', () => {
    expect(problemsOf({ BUS: 'postgres' })).toEqual(['BUS is postgres, which needs STORAGE=postgres and DATABASE_URL']);
    expect(problemsOf({ BUS: 'postgres', STORAGE: 'sqlite', DATABASE_URL: 'postgres://db/chat' })).toEqual([
      'BUS is postgres, which needs STORAGE=postgres',
    ]);
    expect(load({ BUS: 'postgres', DATABASE_URL: 'postgres://db/chat' }).bus.kind).toBe('postgres');
  });

  test('unknown STORAGE and BUS kinds are refused, naming the known ones', () => {
    const problems = problemsOf({ STORAGE: 'redis', BUS: 'kafka' });
    expect(problems).toEqual([expect.stringMatching(/^STORAGE must be one of sqlite, postgres, got "redis"/), expect.stringMatching(/^BUS must be one of none, postgres, nats, got "kafka"/)]);
  });

  test('BUS=nats on postgres reads NATS_URL and NATS_SUBJECT, with defaults', () => {
    expect(load({ DATABASE_URL: 'postgres://db/chat', BUS: 'nats' }).bus).toEqual({ kind: 'nats', url: 'nats://127.0.0.1:4222', subject: 'rgchat' });
    const c = load({ DATABASE_URL: 'postgres://db/chat', BUS: 'nats', NATS_URL: ' nats://n1:4222,nats://n2:4222 ', NATS_SUBJECT: 'prod.chat' });
    expect(c.storage.kind).toBe('postgres');
    expect(c.bus).toEqual({ kind: 'nats', url: 'nats://n1:4222,nats://n2:4222', subject: 'prod.chat' });
    // NATS_URL alone selects nothing: Postgres storage still brings its own bus unless BUS says otherwise.
    expect(load({ DATABASE_URL: 'postgres://db/chat', NATS_URL: 'nats://n1:4222' }).bus).toEqual({ kind: 'postgres' });
  });

  test('BUS=nats on SQLite is refused: several instances cannot share one SQLite file', () => {
    expect(problemsOf({ BUS: 'nats' })).toEqual([
      'BUS is nats, which connects several instances, and those cannot share one sqlite store: use STORAGE=postgres, or BUS=none for one instance',
    ]);
    expect(problemsOf({ BUS: 'nats', STORAGE: 'sqlite', DATABASE_URL: 'postgres://db/chat' })).toHaveLength(1);
  });

  test('bad NATS_URL and NATS_SUBJECT are refused together, without echoing a password', () => {
    const problems = problemsOf({ DATABASE_URL: 'postgres://db/chat', BUS: 'nats', NATS_URL: 'http://u:hunter2@n1', NATS_SUBJECT: 'chat.>' });
    expect(problems).toEqual([expect.stringMatching(/^NATS_URL must use nats:\/\/ or tls:\/\//), expect.stringMatching(/^NATS_SUBJECT must not contain wildcards/)]);
    expect(problems.join(' ')).not.toMatch(/hunter2/);
  });

  test("MAX_PENDING_REQUESTS unset is left to core, whose default may follow the other limits", () => {
    for (const burst of ['30', '100', '5000']) {
      expect(load({ RATE_LIMIT_BURST: burst }).limits).toEqual(createLimits({ rateLimitBurst: Number(burst) }));
    }
    expect(load({ MAX_PENDING_REQUESTS: '7' }).limits.maxPendingRequests).toBe(7);
  });

  test('PRESENCE_* reach core; an unset PRESENCE_LIVENESS_MS follows PRESENCE_TTL_MS; one too long for the TTL is refused', () => {
    expect(load({}).limits).toMatchObject({ presenceIntervalMs: 250, presenceTtlMs: 15_000, presenceLivenessMs: 5000 });
    expect(load({ PRESENCE_INTERVAL_MS: '100', PRESENCE_TTL_MS: '3000' }).limits).toMatchObject({
      presenceIntervalMs: 100,
      presenceTtlMs: 3000,
      presenceLivenessMs: 1000,
    });
    expect(load({ PRESENCE_LIVENESS_MS: '2000' }).limits.presenceLivenessMs).toBe(2000);
    expect(problemsOf({ PRESENCE_TTL_MS: '3000', PRESENCE_LIVENESS_MS: '2000' })).toEqual([expect.stringMatching(/presenceLivenessMs: 2000 is too long for presenceTtlMs 3000/)]);
    expect(problemsOf({ PRESENCE_INTERVAL_MS: '5' })).toEqual([expect.stringMatching(/^PRESENCE_INTERVAL_MS out of range/)]);
  });

  test('an empty DATABASE_URL (as in a copied .env) means SQLite', () => {
    expect(load({ DATABASE_URL: '' }).storage.kind).toBe('sqlite');
  });

  test.each(['true', 'false', '1', '0', 'TRUE'])('TRUST_PROXY=%s is a boolean', (value) => {
    expect(load({ TRUST_PROXY: value }).transport.trustProxy).toBe(value === 'true' || value === '1' || value === 'TRUE');
  });

  test.each(['12abc', '1e3', '', ' 8080', '8080 ', '-1', '+5', '0x10', '12.0', '99999999999999999999'])(
    'PORT=%j is not a whole number and is refused',
    (value) => {
      const problems = problemsOf({ PORT: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^PORT /);
    },
  );

  test('PORT 0 and 65535 are accepted, 65536 is not', () => {
    expect(load({ PORT: '0' }).transport.port).toBe(0);
    expect(load({ PORT: '65535' }).transport.port).toBe(65_535);
    expect(problemsOf({ PORT: '65536' })[0]).toMatch(/^PORT must be at most 65535/);
  });

  test("a limit out of core's range is a config error naming the variable", () => {
    expect(problemsOf({ HISTORY_LIMIT: '0' })[0]).toMatch(/^HISTORY_LIMIT out of range/);
    expect(problemsOf({ HEARTBEAT_INTERVAL_MS: '99' })[0]).toMatch(/^HEARTBEAT_INTERVAL_MS out of range/);
    expect(problemsOf({ MAX_PAYLOAD_BYTES: '1023' })[0]).toMatch(/^MAX_PAYLOAD_BYTES out of range/);
    expect(load({ HEARTBEAT_INTERVAL_MS: '100' }).limits.heartbeatMs).toBe(100);
  });

  test('every bad variable is reported at once', () => {
    const problems = problemsOf({
      PORT: 'abc',
      HISTORY_LIMIT: '-1',
      CHAT_TRANSPORT: 'tcp',
      LOG_LEVEL: 'verbose',
      TRUST_PROXY: 'yes',
      HOST: '',
      SQLITE_PATH: '  ',
      SQLITE_SYNCHRONOUS: 'off',
      DATABASE_URL: 'mysql://db/chat',
      MAX_NAME_LENGTH: '0',
      SHUTDOWN_TIMEOUT_MS: '10',
    });
    const names = problems.map((p) => p.split(' ', 1)[0]);
    expect(names.sort()).toEqual(
      [
        'PORT',
        'HISTORY_LIMIT',
        'CHAT_TRANSPORT',
        'LOG_LEVEL',
        'TRUST_PROXY',
        'HOST',
        'SQLITE_PATH',
        'SQLITE_SYNCHRONOUS',
        'DATABASE_URL',
        'MAX_NAME_LENGTH',
        'SHUTDOWN_TIMEOUT_MS',
      ].sort(),
    );
    const error = (() => {
      try {
        load({ PORT: 'abc', HISTORY_LIMIT: '-1' });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message).toMatch(/PORT.*HISTORY_LIMIT/);
  });

  test('ALLOWED_ORIGINS takes exact origins only', () => {
    expect(load({ ALLOWED_ORIGINS: 'https://chat.example.org:8443' }).allowedOrigins).toEqual(['https://chat.example.org:8443']);
    expect(problemsOf({ ALLOWED_ORIGINS: 'https://a.org/' })[0]).toMatch(/^ALLOWED_ORIGINS .*"https:\/\/a\.org\/"/);
    expect(problemsOf({ ALLOWED_ORIGINS: 'a.org' })[0]).toMatch(/^ALLOWED_ORIGINS /);
    expect(problemsOf({ ALLOWED_ORIGINS: 'ftp://a.org' })[0]).toMatch(/^ALLOWED_ORIGINS /);
    expect(problemsOf({ ALLOWED_ORIGINS: ' , ' })[0]).toMatch(/^ALLOWED_ORIGINS lists no origin/);
  });

  test('unrelated variables are ignored', () => {
    expect(() => load({ PATH: '/bin', SOMETHING_ELSE: 'x' })).not.toThrow();
  });
});

describe('summarizeConfig', () => {
  test('never shows a database password', () => {
    const c = load({ DATABASE_URL: 'postgres://chat:s3cr3t@db:5432/chat?sslpassword=k3y&sslmode=require' });
    const text = JSON.stringify(summarizeConfig(c));
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('k3y');
    expect(text).toContain('sslmode=require');
    expect(text).toContain('chat:***@db:5432');
    expect(summarizeConfig(c)['storage']).toMatchObject({ kind: 'postgres', schema: 'public', poolSize: 10 });
    expect(summarizeConfig(c)['bus']).toEqual({ kind: 'postgres' });
  });

  test('never shows a NATS password or token, in any server of a cluster', () => {
    const c = load({ DATABASE_URL: 'postgres://db/chat', BUS: 'nats', NATS_URL: 'nats://chat:s3cr3t@n1:4222,nats://t0k3n@n2:4222' });
    const text = JSON.stringify(summarizeConfig(c));
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('t0k3n');
    expect(summarizeConfig(c)['bus']).toEqual({ kind: 'nats', url: 'nats://chat:***@n1:4222,nats://***@n2:4222', subject: 'rgchat' });
  });

  test('redactUrl does not echo what it cannot parse', () => {
    expect(redactUrl('postgres://u:pw@[bad')).toBe('<unparsable url>');
  });
});
