export { createUwsTransport, idleTimeoutSeconds, uwsLimits, OVERSIZE_SLACK_BYTES } from './uws-transport';
export { listenExclusive, loadUws, nativeUwsPath, UwsLoadError, type UwsModule } from './load-uws';
