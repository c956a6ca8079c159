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

/**
 * `redactUrl` of each comma-separated URL (NATS_URL may list a cluster). A
 * user without a password is hidden too: for NATS that is a token.
 */
const redactUrls = (urls: string): string =>
  urls
    .split(',')
    .map((url) => {
      const u = URL.canParse(url.trim()) ? new URL(url.trim()) : undefined;
      if (u && u.username !== '' && u.password === '') u.username = '***';
      return redactUrl(u ? u.toString() : url.trim());
    })
    .join(',');

/** The effective configuration as the startup log shows it: everything, minus secrets. */
export function summarizeConfig(config: AppConfig): Record<string, unknown> {
  // Any adapter's `url` setting may hold a password.
  const redacted = (settings: object, redact: (url: string) => string) =>
    Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, key === 'url' && typeof value === 'string' ? redact(value) : value]));
  return {
    storage: redacted(config.storage, redactUrl),
    bus: redacted(config.bus, redactUrls),
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
