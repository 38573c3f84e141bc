// XEP-0045 with slixmpp's xep_0045 plugin (Debian's python3-slixmpp, driven by slixmpp_muc.py)
// against the all-in-one's bundled MUC on conference.DOMAIN: create and configure a room with the
// owner form, invite, join, message, subject, private message, nick change, kick, ban, destroy.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../support/test-server.js';

const script = fileURLToPath(new URL('./slixmpp_muc.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const whenSlixmpp = existsSync('/usr/lib/python3/dist-packages/slixmpp') ? describe : describe.skip;

let server: TestServer;

function runSlixmpp(room: string): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const args = [script, `owner@${server.domain}`, `guest@${server.domain}`, '-pw', String(server.c2sPort), room];
    execFile(PYTHON, args, { timeout: 70_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`slixmpp failed: ${err?.message ?? ''} ${stderr.slice(-2000)}`));
      }
    });
  });
}

whenSlixmpp('slixmpp xep_0045', () => {
  beforeAll(async () => {
    server = await startTestServer();
    await server.addUser('owner', 'owner-pw');
    await server.addUser('guest', 'guest-pw');
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('creates and configures a room, invites, chats, sets the subject, sends a private message, changes nick, kicks, bans and destroys', async () => {
    const room = `heath@conference.${server.domain}`;
    const result = await runSlixmpp(room);
    if (result.error) throw new Error(`slixmpp stopped: ${JSON.stringify(result)}`);
    expect(result.created).toEqual(expect.arrayContaining([110, 201]));
    expect(result.form_fields).toEqual(expect.arrayContaining(['muc#roomconfig_persistentroom', 'muc#roomconfig_roomname', 'muc#roomconfig_membersonly', 'muc#roomconfig_whois']));
    expect(result.features).toEqual(expect.arrayContaining(['muc_persistent']));
    expect(result.name).toBe('Blasted heath');
    expect(result.message_from).toBe(`${room}/Owner`);
    expect(result.roster).toEqual(['Guest', 'Owner']);
    expect(result.nick_change).toBe('Stranger');
    expect(result.kicked).toEqual(expect.arrayContaining([307]));
    expect(result.outcasts).toEqual([`guest@${server.domain}`]);
    expect(result.banned_join).toBe('forbidden');
    expect(result.invited_by).toBe(`owner@${server.domain}`);
    expect(result.subject_from).toBe(`${room}/Owner`);
    expect(result.pm_from).toBe(`${room}/Owner`);
    expect(result.after_destroy).toBe('item-not-found');
  }, 90_000);
});
