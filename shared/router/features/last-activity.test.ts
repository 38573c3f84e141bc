// XEP-0012 on fake sessions: server uptime, a contact's last logout, authorisation.
import { Element } from 'ltx';
import { accountHarness, errorCondition, settle } from './test-support/account-harness.js';
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
});
