export * from './lib/constants';
export * from './lib/validate';
export * from './lib/agent-messages';
export * from './lib/results-codec';
export * from './lib/live-messages';
export * from './lib/target-address';
export * from './lib/passphrase';
export * from './lib/pair-history';
