export * from './lib/logger';
export * from './lib/env';
export * from './lib/clock';
export * from './lib/enrollment-crypto';
