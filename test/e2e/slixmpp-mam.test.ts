// slixmpp's XEP-0313 plugin (Debian's python3-slixmpp) against Pampero: RSM paging forward and
// backward through an archive of 300 messages, a `with` filter, the form of fields, metadata and
// preferences. The archive is written straight through the store (no round trip per message).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withStores } from '../../cli/with-stores.js';
import { ArchiveIdGenerator } from '../../shared/storage/archive-id.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const script = fileURLToPath(new URL('./slixmpp_mam.py', import.meta.url));
const COUNT = 300;
let server: TestServer;
let firstId = '';
let lastId = '';

beforeAll(async () => {
  server = await startTestServer();
  await server.addUser('slix', 'slix-pw');
  let now = Date.now() - 3_600_000;
  const ids = new ArchiveIdGenerator(2, () => (now += 1000));
  const entries = Array.from({ length: COUNT }, (_, i) => {
    const peer = i % 3 === 0 ? 'echo@localhost' : 'other@localhost';
    return { owner: 'slix@localhost', id: ids.next().id, with: peer, xml: `<message from="${peer}/r" to="slix@localhost/py" type="chat"><body>m${i}</body></message>` };
  });
  [firstId, lastId] = [entries[0].id, entries[COUNT - 1].id];
  await withStores(server.config, (stores) => stores.archive!.append(entries));
}, 30_000);
afterAll(async () => {
  await server.stop();
});

function runSlixmpp(): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [script, `slix@${server.domain}/py`, 'slix-pw', String(server.c2sPort), `echo@${server.domain}`], { timeout: 90_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`slixmpp failed: ${err?.message ?? ''} ${stderr.slice(-2000)}`));
      }
    });
  });
}

test('slixmpp xep_0313 pages through the archive both ways, filters, reads the form, metadata and prefs', async () => {
  const result = await runSlixmpp();
  expect(result.error).toBeUndefined();
  const all = Array.from({ length: COUNT }, (_, i) => `m${i}`);
  expect(result.forward).toEqual(all);
  expect(result.backward).toEqual([...all].reverse()); // slixmpp yields backward pages newest first
  expect(result.with).toEqual(all.filter((_, i) => i % 3 === 0));
  expect(result.fields).toEqual(['FORM_TYPE', 'with', 'start', 'end', 'before-id', 'after-id', 'ids', '{urn:xmpp:fulltext:0}fulltext']); // XEP-0431's field too
  expect(result.metadata).toEqual({ start: firstId, end: lastId });
  expect(result.prefs).toEqual({ default: 'never', always: ['echo@localhost'] });
}, 120_000);
