// Moved to loadtest/shared/test-server.ts (the fault suite's CLI uses it too and must not need test/).
export * from '../../loadtest/shared/test-server.js';
