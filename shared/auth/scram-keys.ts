// SCRAM key derivation (RFC 5802 §3) for the two mechanisms offered (RFC 7677 adds SHA-256).
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { backgroundPbkdf2 } from './background-pbkdf2.js';
import type { AccountCredentials, ScramKeys } from '../storage/types.js';
import { saslPrep } from './saslprep.js';

export type ScramMechanism = 'SCRAM-SHA-1' | 'SCRAM-SHA-256';
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-1'];

/** RFC 7677 §4: at least 4096 iterations. */
export const DEFAULT_SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;

const hashName = (mechanism: ScramMechanism) => (mechanism === 'SCRAM-SHA-1' ? 'sha1' : 'sha256');
export const hashLength = (mechanism: ScramMechanism) => (mechanism === 'SCRAM-SHA-1' ? 20 : 32);

export const scramHmac = (mechanism: ScramMechanism, key: Buffer, data: string | Buffer): Buffer =>
  createHmac(hashName(mechanism), key).update(data).digest();
export const scramHash = (mechanism: ScramMechanism, data: Buffer): Buffer =>
  createHash(hashName(mechanism)).update(data).digest();

/** RFC 5802 §3: SaltedPassword := Hi(Normalize(password), salt, i), Hi being PBKDF2 with HMAC. */
function saltedPassword(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(saslPrep(password), salt, iterations, hashLength(mechanism), hashName(mechanism));
}

/** The same off the event loop, on a thread of lower priority (background-pbkdf2.ts): for logins on a busy server. */
const saltedPasswordAsync = (mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number) =>
  backgroundPbkdf2(saslPrep(password), salt, iterations, hashLength(mechanism), hashName(mechanism));

/** RFC 5802 §3: ClientKey := HMAC(SaltedPassword, "Client Key"); StoredKey := H(ClientKey). */
function storedKeyOf(mechanism: ScramMechanism, salted: Buffer): Buffer {
  return scramHash(mechanism, scramHmac(mechanism, salted, 'Client Key'));
}

/** The keys for one mechanism from a known salt (also used to check the RFC test vectors). */
export function deriveScramKeys(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): ScramKeys {
  const salted = saltedPassword(mechanism, password, salt, iterations);
  return {
    salt: salt.toString('base64'),
    iterations,
    storedKey: storedKeyOf(mechanism, salted).toString('base64'),
    serverKey: scramHmac(mechanism, salted, 'Server Key').toString('base64'), // RFC 5802 §3
  };
}

/** What is stored for a new password: keys for both mechanisms, each with its own random salt. */
export function deriveCredentials(password: string, iterations = DEFAULT_SCRAM_ITERATIONS): AccountCredentials {
  return {
    'SCRAM-SHA-1': deriveScramKeys('SCRAM-SHA-1', password, randomBytes(SALT_BYTES), iterations),
    'SCRAM-SHA-256': deriveScramKeys('SCRAM-SHA-256', password, randomBytes(SALT_BYTES), iterations),
  };
}

/** Checks a clear-text password (SASL PLAIN) against stored keys, in constant time. */
export function verifyPassword(keys: ScramKeys, mechanism: ScramMechanism, password: string): boolean {
  const salted = saltedPassword(mechanism, password, Buffer.from(keys.salt, 'base64'), keys.iterations);
  return matchesStoredKey(keys, storedKeyOf(mechanism, salted));
}

/** verifyPassword without blocking the event loop for the PBKDF2 iterations. */
export async function verifyPasswordAsync(keys: ScramKeys, mechanism: ScramMechanism, password: string): Promise<boolean> {
  const salted = await saltedPasswordAsync(mechanism, password, Buffer.from(keys.salt, 'base64'), keys.iterations);
  return matchesStoredKey(keys, storedKeyOf(mechanism, salted));
}

function matchesStoredKey(keys: ScramKeys, candidate: Buffer): boolean {
  const expected = Buffer.from(keys.storedKey, 'base64');
  return expected.length === candidate.length && timingSafeEqual(expected, candidate);
}
