// XEP-0012 on fake sessions: server uptime, a contact's last logout, authorisation.
import { Element } from 'ltx';
import { FakeSession, accountHarness, errorCondition, settle } from './test-support/account-harness.js';
import { makeJid } from '../../jid.js';
import { LAST } from './last-activity.js';

const last = () => new Element('query', { xmlns: LAST });

describe('XEP-0012 last activity', () => {
  test('to the server: its uptime in seconds', async () => {
    const h = accountHarness();
    const a = h.session('a');
    const reply = await h.ask(a, 'get', last(), 'localhost');
    expect(reply.attrs).toMatchObject({ type: 'result', from: 'localhost' });
    expect(Number(reply.getChild('query', LAST)?.attrs.seconds)).toBeGreaterThanOrEqual(0);
  });

  test('a subscribed contact gets 0 while the user is available, then the time since logout and its status', async () => {
    const h = accountHarness();
    h.subscribe('a@localhost', 'b@localhost', 'both');
    const [a, b] = [h.session('a', 'r', 0), h.session('b', 'r', 0)];
    expect((await h.ask(b, 'get', last(), 'a@localhost')).getChild('query', LAST)?.attrs.seconds).toBe('0');
    const bye = new Element('presence', { type: 'unavailable', from: a.jid.full }).c('status').t('Heading Home').root();
    h.router.fromClient(a, bye);
    h.router.unbindSession(a);
    await settle();
    const stored = JSON.parse((await h.accountData.get('a@localhost', 'last'))!);
    await h.accountData.put('a@localhost', 'last', JSON.stringify({ ...stored, at: stored.at - 903_000 }));
    const query = (await h.ask(b, 'get', last(), 'a@localhost')).getChild('query', LAST);
    expect(Number(query?.attrs.seconds)).toBeGreaterThanOrEqual(903);
    expect(Number(query?.attrs.seconds)).toBeLessThan(910);
    expect(query?.getText()).toBe('Heading Home');
  });

  test("a contact without a 'from' or 'both' subscription gets forbidden, also for a user who never logged in", async () => {
    const h = accountHarness();
    h.subscribe('a@localhost', 'b@localhost', 'to');
    const b = h.session('b', 'r', 0);
    expect(errorCondition(await h.ask(b, 'get', last(), 'a@localhost'))).toBe('forbidden');
    expect(errorCondition(await h.ask(b, 'get', last(), 'c@localhost'))).toBe('forbidden');
    h.subscribe('c@localhost', 'b@localhost', 'from');
    expect(errorCondition(await h.ask(b, 'get', last(), 'c@localhost'))).toBe('item-not-found');
  });

  test('a logout while another resource stays online records nothing', async () => {
    const h = accountHarness();
    const [one] = [h.session('a', 'one', 0), h.session('a', 'two', 0)];
    h.router.unbindSession(one);
    await settle();
    expect(await h.accountData.get('a@localhost', 'last')).toBeUndefined();
  });

  test('an account removed in band (XEP-0077) leaves no last-logout record behind', async () => {
    const h = accountHarness();
    // A session that ends when terminated, as a real one does (the fake only records the condition).
    const a = new (class extends FakeSession {
      override terminate(condition: string) {
        super.terminate(condition);
        h.router.unbindSession(this);
      }
    })(makeJid('a', 'localhost', 'r'));
    h.router.bindSession(a);
    const remove = new Element('query', { xmlns: 'jabber:iq:register' });
    remove.c('remove');
    expect((await h.ask(a, 'set', remove)).attrs.type).toBe('result');
    await settle();
    expect(a.terminated).toBe('not-authorized');
    expect(await h.accountData.get('a@localhost', 'last')).toBeUndefined();
  });
});
