// Moved to loadtest/shared/free-port.ts (the fault suite's CLI uses it too and must not need test/).
export * from '../../loadtest/shared/free-port.js';
