// A throwaway certificate authority for tests of certificate authentication (SASL EXTERNAL on
// s2s, docs/s2s.md): openssl makes the CA and server certificates it signs, in a temp directory.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  /** The CA's certificate (PEM file): what s2s.caFile points at. */
  caFile: string;
  /** A certificate signed by the CA; `subjectAltName` in openssl's syntax, e.g. `DNS:a.test` or `otherName:1.3.6.1.5.5.7.8.5;UTF8:a.test` (id-on-xmppAddr). */
  issue(name: string, subjectAltName: string): Promise<{ certFile: string; keyFile: string }>;
  remove(): Promise<void>;
}

function openssl(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { timeout: 20_000 }, (err, _stdout, stderr) => (err ? reject(new Error(`openssl ${args.join(' ')}: ${err.message} ${stderr}`)) : resolve()));
  });
}

export async function createTestCa(): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), 'pampero-test-ca-'));
  const caFile = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Pampero Test CA', '-keyout', caKey, '-out', caFile]);
  return {
    caFile,
    async issue(name, subjectAltName) {
      const base = join(dir, name);
      await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${base}.key`, '-out', `${base}.csr`]);
      await writeFile(`${base}.ext`, `subjectAltName=${subjectAltName}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n`);
      await openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-days', '2', '-extfile', `${base}.ext`, '-out', `${base}.crt`]);
      return { certFile: `${base}.crt`, keyFile: `${base}.key` };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
