// A server IQ whose storage is slow or busy is answered with a wait-type error at once, not left
// hanging and not internal-server-error (docs/isolation.md).
import { Element } from 'ltx';
import { parseJid } from '../jid.js';
import { StorageShedError, StorageTimeoutError } from '../storage/storage-bulkhead.js';
import { ServerIqHandlers } from './server-iq.js';

function request() {
  const stanza = new Element('iq', { type: 'get', id: 'v1', from: 'alice@d/phone' });
  const payload = stanza.c('vCard', { xmlns: 'vcard-temp' });
  return { stanza, payload, from: parseJid('alice@d/phone')! };
}

test.each([
  ['late', 'remote-server-timeout', new StorageTimeoutError('accountData', 'get', 1000)],
  ['shed', 'resource-constraint', new StorageShedError('accountData', 'get')],
  ['broken', 'internal-server-error', new Error('disk')],
] as const)('storage %s: the IQ gets %s', async (_, condition, err) => {
  const handlers = new ServerIqHandlers();
  const reply = await handlers.answer(async () => { throw err; }, request(), 'd');
  expect(reply.attrs.type).toBe('error');
  const error = reply.getChild('error')!;
  expect(error.getChildElements()[0]!.name).toBe(condition);
  if (condition !== 'internal-server-error') expect(error.attrs.type).toBe('wait');
});
