// Entity time (XEP-0202): UTC and the server's offset.
import { Element } from 'ltx';
import { NS } from '../../xml/namespaces.js';
import type { Router } from '../router.js';

function offset(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export function installTime(router: Router): void {
  router.serverIq.features.add(NS.time);
  router.serverIq.handle(`iq/get/${NS.time}`, () => {
    const now = new Date();
    const time = new Element('time', { xmlns: NS.time });
    time.c('tzo').t(offset(now));
    time.c('utc').t(now.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    return time;
  });
}
