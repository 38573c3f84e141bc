// Moved to loadtest/shared/fleet-ports.ts (the fault suite's CLI uses it too and must not need test/).
export * from '../../loadtest/shared/fleet-ports.js';
