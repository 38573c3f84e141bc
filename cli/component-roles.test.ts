// The component roles' configuration: component.* keys from flags and environment, checked with
// one line per mistake, and the domain each role serves by default.
import { readConfig } from '../shared/config/index.js';
import { problemsOf } from '../shared/config/test-support/config-problems.js';
import { componentRoleDomain } from './component-roles.js';

test('component.service must be xmpp://host:port, reported in one line naming where it was set', () => {
  expect(problemsOf(() => readConfig({ env: { PAMPERO_COMPONENT_SERVICE: 'router:5275' } }))).toEqual([
    `PAMPERO_COMPONENT_SERVICE: component.service: must be xmpp://host:port (the router's component port), got "router:5275"`,
  ]);
  expect(problemsOf(() => readConfig({ env: {}, flags: { 'component.domain': 'not a domain' } }))[0]).toMatch(/^--component-domain: component\.domain: /);
});

test('each component role serves its usual subdomain unless component.domain says otherwise', () => {
  const config = readConfig({ env: { PAMPERO_DOMAIN: 'example.org' }, flags: { 'component.service': 'xmpp://router.example.org:5347' } });
  expect(config.component.service).toBe('xmpp://router.example.org:5347');
  expect(componentRoleDomain(config, 'muc')).toBe('conference.example.org');
  expect(componentRoleDomain(config, 'pubsub')).toBe('pubsub.example.org');
  expect(componentRoleDomain(config, 'roster')).toBe('roster.example.org');
  const chat = readConfig({ env: { PAMPERO_COMPONENT_DOMAIN: 'Chat.Example.org' } });
  expect(componentRoleDomain(chat, 'muc')).toBe('chat.example.org');
});
