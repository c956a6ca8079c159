export { createWsTransport } from './ws-transport';
