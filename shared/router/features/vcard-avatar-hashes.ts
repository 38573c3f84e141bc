// XEP-0398 §4: the server puts the XEP-0153 avatar hash into its users' available presence, so
// clients need not fetch their own vCard on every connect. The hashes of online users are kept in
// memory (one storage read when their first resource binds, dropped with their last one), so
// stamping a presence costs one Map lookup and never waits: a presence sent before that one read
// has finished goes out as the client sent it.
import { Element } from 'ltx';
import type { AccountDataStore } from '../../storage/types.js';
import type { Router } from '../router.js';
import type { RoutedSession } from '../session.js';
import { parseStoredElement } from './stored-xml.js';
import { VCARD_KEY } from './vcard.js';
import { NS_VCARD_UPDATE, photoOf } from './vcard-photo.js';

export class VcardAvatarHashes {
  /** Bare JID → the PHOTO's SHA-1 ('' = no photo), or the load in flight. Online users only. */
  private readonly hashes = new Map<string, string | Promise<string>>();

  constructor(private readonly router: Router, private readonly store: AccountDataStore) {}

  /** The hash of the photo in the user's stored vCard ('' for none). */
  async read(bare: string): Promise<string> {
    try {
      const xml = await this.store.get(bare, VCARD_KEY);
      return photoOf(xml === undefined ? undefined : parseStoredElement(xml))?.hash ?? '';
    } catch (err) {
      this.router.log.error({ err, user: bare }, 'reading the vCard for its avatar hash failed');
      return '';
    }
  }

  sessionBound(session: RoutedSession): void {
    const bare = session.jid.bare;
    if (this.hashes.has(bare)) return;
    const loading = this.read(bare).then((hash) => {
      if (this.hashes.get(bare) === loading) {
        if (this.router.sessions.resourcesOf(bare).length > 0) this.hashes.set(bare, hash);
        else this.hashes.delete(bare);
      }
      return hash;
    });
    this.hashes.set(bare, loading);
  }

  sessionEnded(session: RoutedSession): void {
    if (this.router.sessions.resourcesOf(session.jid.bare).length === 0) this.hashes.delete(session.jid.bare);
  }

  /** The user's vCard was stored with this photo hash ('' = none): later presence carries it. */
  changed(bare: string, hash: string): void {
    if (this.router.sessions.resourcesOf(bare).length > 0) this.hashes.set(bare, hash);
  }

  /**
   * XEP-0398 §4, on an available presence from the user (broadcast or directed): adds
   * `<x xmlns='vcard-temp:x:update'><photo>hash</photo></x>` when there is none, fills an `<x/>`
   * without `<photo/>`; a client's `<photo/>` (empty or not) is left as it is.
   */
  stamp(bare: string, presence: Element): void {
    const hash = this.hashes.get(bare);
    if (typeof hash !== 'string' || hash === '') return;
    const updates = presence.getChildren('x', NS_VCARD_UPDATE);
    if (updates.some((x) => x.getChild('photo'))) return;
    for (const x of updates) presence.remove(x);
    presence.cnode(new Element('x', { xmlns: NS_VCARD_UPDATE })).c('photo').t(hash);
  }
}
