// What the XMPP client needs from a transport: the three (TCP, WebSocket, BOSH) differ in how a
// stream is opened and restarted and in how stanzas are framed, not in what the client says.
export type TransportKind = 'tcp' | 'websocket' | 'bosh';

export interface XmppTransport {
  readonly kind: TransportKind;
  /**
   * What each top-level stanza must carry as its namespace: '' on TCP, where the stream header
   * declares jabber:client; " xmlns='jabber:client'" on WebSocket (RFC 7395 §3.3.3) and BOSH
   * (XEP-0206 §8), where every stanza stands alone.
   */
  readonly stanzaNs: string;
  /** Queues data; everything queued in one event-loop turn leaves in one write (or request). */
  send(xml: string): void;
  /** Opens the XML stream (RFC 6120 §4.2), or opens it again after SASL/STARTTLS (§4.3.3). */
  openStream(restart: boolean): void;
  /** STARTTLS (RFC 6120 §5): switches the socket to TLS after <proceed/>. TCP only. */
  upgradeToTls?(servername: string): Promise<void>;
  /** Text received; set by the client. */
  onText: (text: string) => void;
  onClose: (reason?: Error) => void;
  /** Closes the stream politely and the connection. */
  close(): void;
  readonly closed: boolean;
}

/** Batches writes per event-loop turn: one socket write for many stanzas (cheaper syscalls). */
export class TurnBatcher<T> {
  private pending: T[] = [];
  private scheduled = false;

  constructor(private readonly flush: (items: T[]) => void) {}

  push(item: T): void {
    this.pending.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  private readonly run = () => {
    this.scheduled = false;
    const items = this.pending;
    this.pending = [];
    if (items.length > 0) this.flush(items);
  };
}
