import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { ConfigError } from '../config/errors.js';
import { DEFAULT_CONFIG } from '../config/defaults.js';
import { ensureCertificate, ensureSelfSignedCertificate } from './self-signed.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pampero-tls-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const settings = (domain: string, tls = DEFAULT_CONFIG.tls) => ({ domain, dataDir, tls });

describe('generated self-signed certificate', () => {
  test('is valid PEM for the domain and its subdomains, with the matching key, in DATA_DIR/tls', async () => {
    const result = await ensureCertificate(settings('example.org'));
    expect(result).toMatchObject({ generated: true, created: true, certFile: join(dataDir, 'tls', 'cert.pem'), keyFile: join(dataDir, 'tls', 'key.pem') });
    expect(String(result.cert)).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(String(result.key)).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const x509 = new X509Certificate(result.cert);
    expect(x509.subject).toContain('CN=example.org');
    expect(x509.subjectAltName).toContain('DNS:example.org');
    expect(x509.subjectAltName).toContain('DNS:*.example.org');
    expect(x509.checkHost('conference.example.org')).toBeDefined();
    expect(x509.checkPrivateKey(createPrivateKey(result.key))).toBe(true);
    expect(await readFile(result.certFile, 'utf8')).toBe(result.cert);
    expect((await stat(result.keyFile)).mode & 0o077).toBe(0); // the key is private to its owner
    expect(() => createSecureContext({ cert: result.cert, key: result.key })).not.toThrow();
  });

  test('is reused on the next start', async () => {
    const first = await ensureCertificate(settings('example.org'));
    const second = await ensureCertificate(settings('example.org'));
    expect(second).toMatchObject({ generated: true, created: false });
    expect(String(second.cert)).toBe(String(first.cert));
    expect(String(second.key)).toBe(String(first.key));
  });

  test('is replaced when the domain changes', async () => {
    const first = await ensureCertificate(settings('example.org'));
    const second = await ensureCertificate(settings('other.example'));
    expect(second.created).toBe(true);
    expect(String(second.cert)).not.toBe(String(first.cert));
    expect(new X509Certificate(second.cert).subject).toContain('CN=other.example');
  });

  test('processes starting together end up with one pair', async () => {
    const dir = join(dataDir, 'shared');
    const results = await Promise.all([1, 2, 3].map(() => ensureSelfSignedCertificate('example.org', dir)));
    const onDisk = { cert: await readFile(join(dir, 'cert.pem'), 'utf8'), key: await readFile(join(dir, 'key.pem'), 'utf8') };
    expect(new X509Certificate(onDisk.cert).checkPrivateKey(createPrivateKey(onDisk.key))).toBe(true);
    for (const r of results) expect(new X509Certificate(r.cert).checkPrivateKey(createPrivateKey(r.key))).toBe(true);
  });
});

describe('configured certificate', () => {
  test('is read as it is', async () => {
    const made = await ensureSelfSignedCertificate('example.org', join(dataDir, 'mine'));
    const result = await ensureCertificate(settings('example.org', { certFile: made.certFile, keyFile: made.keyFile }));
    expect(result).toMatchObject({ generated: false, created: false, certFile: made.certFile });
    expect(String(result.cert)).toBe(made.cert);
  });

  test('missing files are one clear line each', async () => {
    const tls = { certFile: join(dataDir, 'nope.pem'), keyFile: join(dataDir, 'nope.key') };
    await expect(ensureCertificate(settings('example.org', tls))).rejects.toEqual(
      new ConfigError([`tls.certFile: cannot read ${tls.certFile}: no such file`, `tls.keyFile: cannot read ${tls.keyFile}: no such file`]),
    );
  });

  test('a file that is not PEM, and a key of another certificate, are refused', async () => {
    const a = await ensureSelfSignedCertificate('example.org', join(dataDir, 'a'));
    const b = await ensureSelfSignedCertificate('example.org', join(dataDir, 'b'));
    const garbage = join(dataDir, 'garbage.pem');
    await writeFile(garbage, 'not a certificate');
    const lines = (tls: { certFile: string; keyFile: string }) =>
      ensureCertificate(settings('example.org', tls)).then(
        () => [],
        (err: ConfigError) => err.lines,
      );
    expect(await lines({ certFile: garbage, keyFile: a.keyFile })).toEqual([`tls.certFile: ${garbage} is not a PEM certificate`]);
    expect(await lines({ certFile: a.certFile, keyFile: b.keyFile })).toEqual([
      `tls.keyFile: ${b.keyFile} is not the key of the certificate in ${a.certFile}`,
    ]);
  });
});
