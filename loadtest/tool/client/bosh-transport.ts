// XMPP over BOSH (XEP-0124 with XEP-0206): HTTP long-polling. One request is always held by the
// connection manager (hold=1) so it can push; stanzas queued in one event-loop turn leave in one
// request, and at most `requests` (XEP-0124 §7.1, usually 2) are in flight at once.
import { Agent, request } from 'node:http';
import { randomInt } from 'node:crypto';
import type { XmppTransport } from './transport.js';

const BOSH_NS = 'http://jabber.org/protocol/httpbind';
const XBOSH_NS = 'urn:xmpp:xbosh';
const WAIT_S = 30;

// One keep-alive pool for every session in the process: sockets are reused between requests.
let pool: Agent | undefined;
const agentForBosh = () => (pool ??= new Agent({ keepAlive: true, maxFreeSockets: 65536 }));

/** Closes the pooled idle sockets once the sessions are gone (they would keep the process alive). */
export function releaseBoshConnections(): void {
  pool?.destroy();
  pool = undefined;
}

function attribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}=(?:'([^']*)'|"([^"]*)")`).exec(tag);
  return m ? (m[1] ?? m[2]) : undefined;
}

export class BoshTransport implements XmppTransport {
  readonly kind = 'bosh' as const;
  readonly stanzaNs = " xmlns='jabber:client'";
  onText: (text: string) => void = () => {};
  onClose: (reason?: Error) => void = () => {};
  closed = false;
  private sid: string | undefined;
  private rid = randomInt(1, 2 ** 40);
  private maxRequests = 2;
  private inFlight = 0;
  private pending: string[] = [];
  private restartPending = false;
  private scheduled = false;

  constructor(private readonly url: URL, private readonly domain: string, private readonly timeoutMs: number) {
    if (url.protocol !== 'http:') throw new Error('only http:// BOSH URLs are supported (no TLS)');
  }

  static async connect(url: URL, domain: string, timeoutMs: number): Promise<BoshTransport> {
    return new BoshTransport(url, domain, timeoutMs);
  }

  send(xml: string): void {
    this.pending.push(xml);
    this.schedule();
  }

  openStream(restart: boolean): void {
    if (!restart) {
      // XEP-0124 §7.1 session creation; XEP-0206 §5 adds xmpp:version
      this.post(
        `<body xmlns='${BOSH_NS}' xmlns:xmpp='${XBOSH_NS}' content='text/xml; charset=utf-8' hold='1' ` +
          `rid='${this.rid++}' to='${this.domain}' ver='1.6' wait='${WAIT_S}' xml:lang='en' xmpp:version='1.0'/>`,
        true,
      );
      return;
    }
    this.restartPending = true; // XEP-0206 §6: the restart request carries nothing else
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Sends what is queued, and keeps one empty request held so the server can push to us. */
  private pump(): void {
    if (this.closed || this.sid === undefined) return;
    while (this.inFlight < this.maxRequests && (this.restartPending || this.pending.length > 0 || this.inFlight === 0)) {
      const head = `<body xmlns='${BOSH_NS}' rid='${this.rid++}' sid='${this.sid}'`;
      if (this.restartPending) {
        this.restartPending = false;
        this.post(`${head} xmlns:xmpp='${XBOSH_NS}' to='${this.domain}' xml:lang='en' xmpp:restart='true'/>`, false);
      } else {
        const payload = this.pending.join('');
        this.pending = [];
        this.post(payload ? `${head}>${payload}</body>` : `${head}/>`, false);
      }
    }
  }

  private post(body: string, creation: boolean): void {
    this.inFlight++;
    const req = request(
      {
        agent: agentForBosh(), host: this.url.hostname.replace(/^\[|\]$/g, ''), port: Number(this.url.port || 80), path: this.url.pathname + this.url.search,
        method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(body) },
        timeout: Math.max(this.timeoutMs, (WAIT_S + 10) * 1000),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => { text += chunk; });
        res.on('end', () => {
          this.inFlight--;
          if (res.statusCode !== 200) return this.finish(new Error(`BOSH HTTP ${res.statusCode}`));
          this.receive(text, creation);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('BOSH request timeout')));
    req.on('error', (err) => { this.inFlight--; this.finish(err); });
    req.end(body);
  }

  private receive(text: string, creation: boolean): void {
    if (this.closed) return;
    const start = text.indexOf('<body');
    const openEnd = start === -1 ? -1 : text.indexOf('>', start);
    if (openEnd === -1) return this.finish(new Error('BOSH: the response is not a <body/>'));
    const tag = text.slice(start, openEnd + 1);
    if (creation) {
      this.sid = attribute(tag, 'sid');
      this.maxRequests = Math.max(1, Number(attribute(tag, 'requests') ?? 2));
      if (this.sid === undefined) return this.finish(new Error('BOSH: no sid in the session creation response'));
    }
    if (attribute(tag, 'type') === 'terminate') {
      return this.finish(new Error(`BOSH session terminated: ${attribute(tag, 'condition') ?? 'no condition'}`));
    }
    if (!tag.endsWith('/>')) {
      const inner = text.slice(openEnd + 1, text.lastIndexOf('</body>'));
      if (inner) this.onText(inner);
    }
    this.pump();
  }

  private finish(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(err);
  }

  close(): void {
    if (this.closed || this.sid === undefined) {
      this.closed = true;
      return;
    }
    this.closed = true;
    const body = `<body xmlns='${BOSH_NS}' rid='${this.rid++}' sid='${this.sid}' type='terminate'>` +
      `<presence type='unavailable' xmlns='jabber:client'/></body>`;
    const req = request({ agent: agentForBosh(), host: this.url.hostname, port: Number(this.url.port || 80), path: this.url.pathname, method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(body) }, timeout: 5000 });
    req.on('error', () => {});
    req.on('timeout', () => req.destroy());
    req.on('response', (res) => res.resume());
    req.end(body);
  }
}
