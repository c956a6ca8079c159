export { createUwsTransport, idleTimeoutSeconds, uwsLimits } from './uws-transport';
export { listenExclusive, loadUws, nativeUwsPath, UwsLoadError, type UwsModule } from './load-uws';
