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
  setupFiles: ['<rootDir>/test/support/trust-loopback-tls.cjs'],
  reporters: ['default', '<rootDir>/test/totals-reporter.cjs'],
};
