// XEP-0156 §3: how a web client finds our WebSocket and BOSH URLs, as XRD (RFC 6415
// /.well-known/host-meta) and JRD (/.well-known/host-meta.json).
import type { HttpRequest, TemplatedApp } from 'uWebSockets.js';
import { sendResponse } from '../shared/metrics/http-endpoints.js';
import { isLoopback } from './c2s-listener.js';

export interface HostMetaOptions {
  websocketPath: string;
  boshPath: string;
  /** The app is a uWS SSLApp. */
  secure: boolean;
  /** Public base URL such as `https://chat.example.com` (behind a proxy); empty: from the Host header. */
  publicUrl: string;
}

const REL_WEBSOCKET = 'urn:xmpp:alt-connections:websocket';
const REL_BOSH = 'urn:xmpp:alt-connections:xbosh';

export function attachHostMeta(app: TemplatedApp, opts: HostMetaOptions): void {
  app.get('/.well-known/host-meta', (res, req) => {
    const { websocket, bosh } = urls(req, res.getRemoteAddressAsText(), opts);
    const xrd = `<?xml version='1.0' encoding='utf-8'?>\n<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n` +
      `  <Link rel='${REL_WEBSOCKET}' href='${escapeXml(websocket)}'/>\n  <Link rel='${REL_BOSH}' href='${escapeXml(bosh)}'/>\n</XRD>\n`;
    sendResponse(res, '200 OK', 'application/xrd+xml; charset=utf-8', xrd);
  });
  app.get('/.well-known/host-meta.json', (res, req) => {
    const { websocket, bosh } = urls(req, res.getRemoteAddressAsText(), opts);
    const jrd = { links: [{ rel: REL_WEBSOCKET, href: websocket }, { rel: REL_BOSH, href: bosh }] };
    sendResponse(res, '200 OK', 'application/json', JSON.stringify(jrd));
  });
}

function urls(req: HttpRequest, remote: ArrayBuffer, opts: HostMetaOptions): { websocket: string; bosh: string } {
  let base = opts.publicUrl.replace(/\/+$/, '');
  if (!base) {
    // Forwarded headers are trusted only from a proxy on this host (deploy/nginx/pampero.conf).
    const fromProxy = isLoopback(Buffer.from(remote).toString());
    const https = opts.secure || (fromProxy && req.getHeader('x-forwarded-proto') === 'https');
    const host = (fromProxy && req.getHeader('x-forwarded-host')) || req.getHeader('host') || 'localhost';
    base = `${https ? 'https' : 'http'}://${host}`;
  }
  const wsBase = base.replace(/^http/, 'ws');
  return { websocket: `${wsBase}${opts.websocketPath}`, bosh: `${base}${opts.boshPath}` };
}

function escapeXml(value: string): string {
  return value.replace(/[&<>'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
