// Moved to loadtest/shared/pampero-process.ts (the fault suite's CLI uses it too and must not need test/).
export * from '../../loadtest/shared/pampero-process.js';
