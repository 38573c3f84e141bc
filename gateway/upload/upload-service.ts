// XEP-0363 HTTP File Upload on upload.DOMAIN: the router answers the slot request itself (a
// hosted domain, shared/router/router.ts) and the gateway's HTTP server takes the PUT and serves
// the GET (upload-http.ts). Files live under DATA_DIR/uploads (docs/upload.md).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Element } from 'ltx';
import type { UploadConfig } from '../../shared/config/types.js';
import type { HealthEndpoints } from '../../shared/metrics/http-endpoints.js';
import type { Logger } from '../../shared/log.js';
import type { Router } from '../../shared/router/router.js';
import { ServerIqHandlers, StanzaError } from '../../shared/router/server-iq.js';
import { NS } from '../../shared/xml/namespaces.js';
import { checkSlotRequest, isRefusal, ownerKey, signedPutQuery, slotPath, type SlotClaims, type UploadLimits } from './upload-slots.js';
import { MAX_FILES_PER_USER, UploadFiles } from './upload-files.js';
import { attachUploadHttp } from './upload-http.js';

/** Seconds a PUT URL stays valid. */
export const SLOT_SECONDS = 300;
/** Slots one user may hold open (not uploaded yet) on one gateway. */
export const MAX_OPEN_SLOTS = 20;
const CLEANUP_MS = 3_600_000;

export interface UploadOptions {
  config: UploadConfig;
  dataDir: string;
  /** Base URL when upload.publicUrl is empty: http.publicUrl, else http(s)://DOMAIN:PORT. */
  fallbackUrl: string;
  logger: Logger;
  /** Content types accepted (empty: any). */
  allowedTypes?: readonly string[];
}

export interface UploadService {
  readonly domain: string;
  readonly files: UploadFiles;
  close(): void;
}

/** The <x/> form of XEP-0363 §3 (max-file-size, XEP-0128 extended disco#info). */
function maxSizeForm(maxFileBytes: number): Element {
  const form = new Element('x', { xmlns: NS.dataForms, type: 'result' });
  form.c('field', { var: 'FORM_TYPE', type: 'hidden' }).c('value').t(NS.httpUpload);
  form.c('field', { var: 'max-file-size' }).c('value').t(String(maxFileBytes));
  return form;
}

export async function attachUpload(router: Router, http: HealthEndpoints, opts: UploadOptions): Promise<UploadService> {
  const domain = `upload.${router.domain}`;
  const log = opts.logger.child({ module: 'upload' });
  const uploadsDir = join(opts.dataDir, 'uploads');
  const secret = await UploadFiles.secret(uploadsDir);
  const files = new UploadFiles(uploadsDir, opts.config.expiryDays);
  const baseUrl = (opts.config.publicUrl || opts.fallbackUrl).replace(/\/+$/, '');
  const limits: UploadLimits = { maxFileBytes: opts.config.maxFileBytes, quotaBytes: opts.config.quotaBytes, allowedTypes: opts.allowedTypes ?? [] };
  /** Open slots per owner: bytes they reserve against the quota until uploaded or expired. */
  const open = new Map<string, Map<string, { size: number; expires: number }>>();
  const reserved = (owner: string, now: number): Map<string, { size: number; expires: number }> => {
    const slots = open.get(owner) ?? new Map<string, { size: number; expires: number }>();
    for (const [id, slot] of slots) if (slot.expires < now) slots.delete(id);
    if (slots.size === 0) open.delete(owner);
    return slots;
  };

  const iq = new ServerIqHandlers();
  iq.handle(`iq/get/${NS.discoInfo}`, ({ payload }) => {
    if (payload.attrs.node) throw new StanzaError('item-not-found');
    const query = new Element('query', { xmlns: NS.discoInfo });
    query.c('identity', { category: 'store', type: 'file', name: 'HTTP File Upload' });
    for (const feature of [NS.discoInfo, NS.httpUpload]) query.c('feature', { var: feature });
    query.cnode(maxSizeForm(limits.maxFileBytes));
    return query;
  });
  iq.handle(`iq/get/${NS.discoItems}`, () => new Element('query', { xmlns: NS.discoItems }));
  iq.handle(`iq/get/${NS.httpUpload}`, async ({ payload, from }) => {
    if (payload.name !== 'request') throw new StanzaError('bad-request', 'Expected <request/>');
    if (from.domain !== router.domain || !from.local) throw new StanzaError('not-allowed', `Only users of ${router.domain} may upload`);
    const request = checkSlotRequest(payload.attrs, limits);
    if (isRefusal(request)) {
      const tooLarge = 'maxFileBytes' in request && request.maxFileBytes !== undefined
        ? new Element('file-too-large', { xmlns: NS.httpUpload }).c('max-file-size').t(String(request.maxFileBytes)).up()
        : undefined;
      throw new StanzaError(request.condition, request.text, tooLarge);
    }
    const now = Math.floor(Date.now() / 1000);
    const owner = ownerKey(secret, from.bare);
    const slots = reserved(owner, now);
    const stored = await files.usage(owner);
    const pending = [...slots.values()].reduce((sum, slot) => sum + slot.size, 0);
    if (slots.size >= MAX_OPEN_SLOTS || stored.files + slots.size >= MAX_FILES_PER_USER) throw new StanzaError('resource-constraint', 'Too many files');
    if (stored.bytes + pending + request.size > limits.quotaBytes) throw new StanzaError('resource-constraint', `Upload quota of ${limits.quotaBytes} bytes reached`);

    const claims: SlotClaims = { owner, id: randomBytes(16).toString('base64url'), filename: request.filename, size: request.size, contentType: request.contentType, expires: now + SLOT_SECONDS };
    slots.set(claims.id, { size: claims.size, expires: claims.expires });
    open.set(owner, slots);
    const getUrl = `${baseUrl}${slotPath(claims)}`;
    const slot = new Element('slot', { xmlns: NS.httpUpload });
    slot.c('put', { url: `${getUrl}?${signedPutQuery(secret, claims)}` });
    slot.c('get', { url: getUrl });
    return slot;
  });
  router.hosted.set(domain, iq);

  attachUploadHttp(http.app, { secret, files, log, finished: (owner, id) => open.get(owner)?.delete(id) });
  const cleanup = () => void files.cleanup().then((n) => n > 0 && log.info({ removed: n }, 'upload: expired files removed'), (err) => log.warn({ err }, 'upload: cleanup failed'));
  cleanup();
  const timer = setInterval(cleanup, CLEANUP_MS);
  timer.unref();
  return {
    domain,
    files,
    close: () => {
      clearInterval(timer);
      router.hosted.delete(domain);
    },
  };
}
