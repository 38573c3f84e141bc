import { Element } from 'ltx';
import { bind2Resource, parseBind2 } from './bind2.js';

function authenticate(bind?: (b: Element) => void): Element {
  const auth = new Element('authenticate', { xmlns: 'urn:xmpp:sasl:2', mechanism: 'PLAIN' });
  if (bind) bind(auth.c('bind', { xmlns: 'urn:xmpp:bind:0' }));
  return auth;
}

describe('Bind 2 (XEP-0386)', () => {
  test('the request: tag and the inline features asked for', () => {
    const request = parseBind2(authenticate((b) => {
      b.c('tag').t(' Conversations ');
      b.c('enable', { xmlns: 'urn:xmpp:sm:3', resume: 'true' });
      b.c('enable', { xmlns: 'urn:xmpp:carbons:2' });
      b.c('inactive', { xmlns: 'urn:xmpp:csi:0' });
    }))!;
    expect(request.tag).toBe('Conversations');
    expect(request.enableSm?.attrs.resume).toBe('true');
    expect(request.carbons).toBe(true);
    expect(request.csi?.name).toBe('inactive');
    expect(parseBind2(authenticate())).toBeUndefined();
  });

  test('a tag that is no valid resource is left out', () => {
    expect(parseBind2(authenticate((b) => b.c('tag').t('bad\u0007tag')))!.tag).toBeUndefined();
    expect(parseBind2(authenticate((b) => b.c('tag').t('x'.repeat(500))))!.tag).toHaveLength(64);
  });

  test('the resource is tag/id: stable for one user-agent id, never showing it, random without one', () => {
    const a = bind2Resource('Dino', 'ua-1', 'server-key');
    expect(a).toMatch(/^Dino\/[A-Za-z0-9_-]{12}$/);
    expect(bind2Resource('Dino', 'ua-1', 'server-key')).toBe(a);
    expect(bind2Resource('Dino', 'ua-2', 'server-key')).not.toBe(a);
    expect(bind2Resource('Dino', 'ua-1', 'other-account-key')).not.toBe(a);
    expect(a).not.toContain('ua-1');
    expect(bind2Resource(undefined, undefined, undefined)).not.toBe(bind2Resource(undefined, undefined, undefined));
  });
});
