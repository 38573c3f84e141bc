// slixmpp's XEP-0363 plugin (Debian's python3-slixmpp, with python3-aiohttp for its HTTP) against
// Pampero: it finds upload.DOMAIN through disco, uploads a file through a slot, downloads it from
// the GET URL, and a slot above upload.maxFileBytes is refused (docs/upload.md).
import { fileURLToPath } from 'node:url';
import { runSlixmppScript } from '../support/slixmpp.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const script = fileURLToPath(new URL('./slixmpp_upload.py', import.meta.url));
const MAX = 100_000;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ upload: { enabled: true, maxFileBytes: MAX, quotaBytes: 10 * MAX, expiryDays: 1, publicUrl: '' } });
  await server.addUser('slix', 'slix-pw');
});
afterAll(async () => {
  await server.stop();
});

test('slixmpp xep_0363 finds the service, uploads a file and downloads it; too large is not-acceptable', async () => {
  const result = await runSlixmppScript(script, [`slix@${server.domain}/py`, 'slix-pw', String(server.c2sPort), String(MAX + 1)]);
  expect(result.error).toBeUndefined();
  expect(result.service).toBe(`upload.${server.domain}`);
  expect(result.url).toMatch(new RegExp(`^http://${server.domain}:${server.httpPort}/upload/[0-9a-f]{32}/[\\w-]{22}/witches\\.txt$`));
  expect(result).toMatchObject({ max: String(MAX), status: 200, type: 'text/plain', same: true, too_big: 'not-acceptable' });
}, 120_000);
