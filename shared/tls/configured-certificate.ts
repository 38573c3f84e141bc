// Reads the operator's certificate and key (tls.certFile, tls.keyFile) and checks, before any
// listener starts, that both are readable PEM and belong together: one clear line per problem.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config/errors.js';
import type { TlsConfig } from '../config/types.js';
import type { Certificate } from './self-signed.js';

async function readOrExplain(key: string, file: string, problems: string[]): Promise<Buffer | undefined> {
  if (file === '') {
    problems.push(`${key}: is empty; set tls.certFile and tls.keyFile together`);
    return undefined;
  }
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    problems.push(`${key}: cannot read ${file}: ${reason}`);
    return undefined;
  }
}

export async function readConfiguredCertificate(tls: TlsConfig): Promise<Certificate> {
  const problems: string[] = [];
  const cert = await readOrExplain('tls.certFile', tls.certFile, problems);
  const key = await readOrExplain('tls.keyFile', tls.keyFile, problems);
  if (cert && key) {
    let x509: X509Certificate | undefined;
    try {
      x509 = new X509Certificate(cert);
    } catch {
      problems.push(`tls.certFile: ${tls.certFile} is not a PEM certificate`);
    }
    let privateKey;
    try {
      privateKey = createPrivateKey(key);
    } catch {
      problems.push(`tls.keyFile: ${tls.keyFile} is not an unencrypted PEM private key`);
    }
    if (x509 && privateKey && !x509.checkPrivateKey(privateKey)) {
      problems.push(`tls.keyFile: ${tls.keyFile} is not the key of the certificate in ${tls.certFile}`);
    }
  }
  if (problems.length > 0 || !cert || !key) throw new ConfigError(problems);
  return { cert, key, generated: false, created: false, certFile: tls.certFile, keyFile: tls.keyFile };
}
