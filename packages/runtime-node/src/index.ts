export { createSystemClock } from './system-clock';
export { createRandomIds } from './random-ids';
export { createInstanceId } from './instance-id';
