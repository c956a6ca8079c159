import type { AppConfig } from './config';

/** The URL with any password replaced, so it can be logged. Unparsable input is not echoed at all. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    // Query parameters may carry secrets too (e.g. `password=`, `sslpassword=`).
    for (const key of [...u.searchParams.keys()]) {
      if (/pass|secret|key|token/i.test(key)) u.searchParams.set(key, '***');
    }
    return u.toString();
  } catch {
    return '<unparsable url>';
  }
}

/** The effective configuration as the startup log shows it: everything, minus secrets. */
export function summarizeConfig(config: AppConfig): Record<string, unknown> {
  // Any adapter's `url` setting may hold a password.
  const storage = Object.fromEntries(
    Object.entries(config.storage).map(([key, value]) => [key, key === 'url' && typeof value === 'string' ? redactUrl(value) : value]),
  );
  return {
    storage,
    bus: config.bus,
    transport: config.transport,
    limits: config.limits,
    allowedOrigins: config.allowedOrigins ?? 'any',
    features: config.features ?? 'all',
    logLevel: config.logLevel,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    drainMs: config.drainMs,
    // The token itself is a secret: only whether the admin API exists.
    adminApi: config.adminToken === undefined ? 'off' : 'on',
    webClient: config.webClient,
    metrics: config.metrics,
  };
}
