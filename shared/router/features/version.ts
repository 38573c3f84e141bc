// Software version (XEP-0092).
import { Element } from 'ltx';
import { NS } from '../../xml/namespaces.js';
import type { Router } from '../router.js';

export function installVersion(router: Router): void {
  router.serverIq.features.add(NS.version);
  router.serverIq.handle(`iq/get/${NS.version}`, () => {
    const query = new Element('query', { xmlns: NS.version });
    query.c('name').t('Pampero');
    query.c('version').t(router.options.serverVersion);
    return query;
  });
}
