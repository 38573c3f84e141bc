// SASL for the gateway: SCRAM-SHA-1 / SCRAM-SHA-256 (RFC 5802, RFC 7677) and PLAIN (RFC 4616).
export {
  DEFAULT_SCRAM_ITERATIONS,
  SCRAM_MECHANISMS,
  type ScramMechanism,
  deriveCredentials,
  deriveScramKeys,
  verifyPassword,
  verifyPasswordAsync,
} from './scram-keys.js';
export {
  type SaslFailureCondition,
  type SaslStepResult,
  ScramServerExchange,
  type ScramServerOptions,
} from './scram-server-exchange.js';
export { parsePlain } from './sasl-plain.js';
export { saslPrep } from './saslprep.js';
