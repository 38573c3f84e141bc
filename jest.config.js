// Tests run straight from the TypeScript sources (swc strips types; `tsc` type-checks in `npm test`).
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }],
  },
  testTimeout: 20000,
  // @xmpp/client leaves reconnect and ack timers behind after stop() in some failure paths, and
  // child processes' pipes may linger a moment: without this a finished run can wait forever.
  forceExit: true,
  // A worker that has run many files holds about 2 GB (each ESM test file's module graph): the
  // fault tests, which time A↔B latency, then measured that heap's garbage-collection pauses
  // (a login-storm run at 539 ms p99, 6.8 ms baseline). Past 1 GB a worker is replaced after its file.
  workerIdleMemoryLimit: '1GB',
  setupFiles: ['<rootDir>/test/support/trust-loopback-tls.cjs'],
  reporters: ['default', '<rootDir>/test/totals-reporter.cjs'],
};
