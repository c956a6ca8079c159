// tsyringe (in compose) needs the Reflect metadata API before anything loads it.
import 'reflect-metadata';
import { CloseCode } from '@rgchat/chat-core';
import { startApp } from './compose';
import { ConfigError, loadConfig, type AppConfig } from './config';
import { summarizeConfig } from './config-summary';
import { createLifecycle } from './lifecycle';
import { createLogger, toCoreLog } from './logger';

/**
 * The rgchat process: `node --max-semi-space-size=2 packages/app/dist/main.js`
 * (see docs/deployment.md, Memory), configured by the environment only.
 */
function main(): void {
  let config: AppConfig;
  try {
    // The only read of process.env in rgchat.
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // Nothing is open yet, so there is nothing to stop: report and let the process end.
    createLogger('info').fatal({ problems: err.problems }, err.message);
    process.stderr.write(`rgchat: not started, invalid configuration:\n${err.problems.map((p) => `  ${p}\n`).join('')}`);
    process.exitCode = 1;
    return;
  }

  const logger = createLogger(config.logLevel);
  const lifecycle = createLifecycle({
    logger,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    exit: (code) => process.exit(code),
  });
  // SIGTERM, SIGINT, SIGHUP: shutting down, clients see 1001. SIGUSR2: restarting (the
  // supervisor starts this instance again), clients see 1012 and come back at once.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => void lifecycle.stop(signal, 0));
  }
  process.on('SIGUSR2', () => void lifecycle.stop('SIGUSR2', 0, CloseCode.SERVICE_RESTART));
  // The process is in an unknown state: stop as gracefully as it still can, then exit 1.
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    void lifecycle.stop('uncaughtException', 1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    void lifecycle.stop('unhandledRejection', 1);
  });

  logger.info({ config: summarizeConfig(config), node: process.version }, 'starting rgchat');
  lifecycle.start(() => startApp(config, { log: toCoreLog(logger) }));
}

main();
