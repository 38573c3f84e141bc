// The certificate the client ports serve. With tls.certFile/keyFile configured, those files are
// read and checked; otherwise a self-signed certificate for DOMAIN and *.DOMAIN (so the component
// subdomains are covered too) is generated once into DATA_DIR/tls/ and reused on every start.
// The key comes from node:crypto; `selfsigned` writes the X.509 in pure JS, so a fresh machine
// needs no openssl binary.
import { generateKeyPairSync, X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { generate } from 'selfsigned';
import type { PamperoConfig } from '../config/types.js';
import { readConfiguredCertificate } from './configured-certificate.js';

export interface Certificate {
  cert: string | Buffer;
  key: string | Buffer;
  /** True for Pampero's own self-signed certificate (made now or earlier), false for configured files. */
  generated: boolean;
  /** True only when this call wrote a new certificate. */
  created: boolean;
  certFile: string;
  keyFile: string;
}

export const GENERATED_CERT_NAME = 'cert.pem';
export const GENERATED_KEY_NAME = 'key.pem';
const VALID_DAYS = 3650;
/** A generated certificate this close to expiry is replaced at start. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

export type CertificateSettings = Pick<PamperoConfig, 'domain' | 'dataDir' | 'tls'>;

export async function ensureCertificate(config: CertificateSettings): Promise<Certificate> {
  if (config.tls.certFile !== '' || config.tls.keyFile !== '') return readConfiguredCertificate(config.tls);
  return ensureSelfSignedCertificate(config.domain, join(config.dataDir, 'tls'));
}

/** A PEM key pair and self-signed certificate for `domain` and `*.domain`. */
export async function generateSelfSigned(domain: string): Promise<{ cert: string; key: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const notBeforeDate = new Date(Date.now() - 60_000); // tolerate a little clock skew
  const notAfterDate = new Date(notBeforeDate.getTime() + VALID_DAYS * 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: domain }], {
    keyType: 'ec',
    keyPair: { privateKey, publicKey },
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: domain }, { type: 2, value: `*.${domain}` }] },
    ],
  });
  return { cert: pems.cert, key: privateKey };
}

/** Whether a generated pair on disk can be reused: for this domain, not expiring, key matching. */
function isReusable(cert: string, key: string, domain: string): boolean {
  try {
    const x509 = new X509Certificate(cert);
    return (
      x509.checkHost(domain) !== undefined &&
      new Date(x509.validTo).getTime() - Date.now() > RENEW_BEFORE_MS &&
      x509.checkPrivateKey(createPrivateKey(key))
    );
  } catch {
    return false;
  }
}

async function readPair(dir: string): Promise<{ cert: string; key: string } | undefined> {
  try {
    const [cert, key] = await Promise.all([
      readFile(join(dir, GENERATED_CERT_NAME), 'utf8'),
      readFile(join(dir, GENERATED_KEY_NAME), 'utf8'),
    ]);
    return { cert, key };
  } catch {
    return undefined;
  }
}

async function writePair(dir: string, pair: { cert: string; key: string }): Promise<void> {
  await writeFile(join(dir, GENERATED_KEY_NAME), pair.key, { mode: 0o600 });
  await writeFile(join(dir, GENERATED_CERT_NAME), pair.cert);
}

/** Reuses the pair in `dir` when it fits `domain`, else generates and stores a new one there. */
export async function ensureSelfSignedCertificate(domain: string, dir: string): Promise<Certificate> {
  const files = { certFile: join(dir, GENERATED_CERT_NAME), keyFile: join(dir, GENERATED_KEY_NAME) };
  const existing = await readPair(dir);
  if (existing && isReusable(existing.cert, existing.key, domain)) {
    return { ...existing, ...files, generated: true, created: false };
  }

  const pair = await generateSelfSigned(domain);
  await mkdir(dirname(dir), { recursive: true });
  // Written in a private directory, then renamed into place: a process starting at the same time
  // never sees half a pair, and whichever rename loses reuses the winner's pair.
  const staging = await mkdtemp(`${dir}.tmp-`);
  try {
    await writePair(staging, pair);
    if (existing) await rm(dir, { recursive: true, force: true }); // stale (other domain, expiring)
    try {
      await rename(staging, dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      const winner = await readPair(dir);
      if (winner && isReusable(winner.cert, winner.key, domain)) return { ...winner, ...files, generated: true, created: false };
      await writePair(dir, pair); // a directory of something else: keep ours beside it
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { ...pair, ...files, generated: true, created: true };
}
