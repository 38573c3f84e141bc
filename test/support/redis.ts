// Moved to loadtest/shared/redis.ts (the fault suite's CLI uses it too and must not need test/).
export * from '../../loadtest/shared/redis.js';
