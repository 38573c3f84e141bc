// What a client session needs from the transport that carries it (TCP/TLS, WebSocket, BOSH).
// The transport owns framing: stream headers or <open/>/<close/> or <body/> wrappers, STARTTLS,
// output coalescing and its bound. The session (client-session.ts) owns SASL, binding and
// routing, and is the same for every transport.
import type { Element } from 'ltx';
import type { StreamErrorCondition } from '../shared/xml/errors.js';
import type { ClientSession } from './client-session.js';

export interface ClientTransport {
  /** The stream is encrypted (TLS socket, wss://, https://). */
  readonly secure: boolean;
  /** TLS may be skipped (loopback client, allowed by config): PLAIN is offered anyway. */
  readonly plainAllowed: boolean;
  /** STARTTLS can still be offered (plain TCP only). */
  readonly canStartTls: boolean;
  /**
   * Each top-level element is a document of its own (WebSocket, BOSH): `<stream:features>` and
   * `<stream:error>` must declare the `stream` prefix, stanzas must carry `jabber:client`.
   */
  readonly standaloneElements: boolean;
  /** The client's IP address, for abuse control (docs/abuse.md); absent: the address rules are skipped. */
  readonly remoteAddress?: string;
  /** Sends an element that is already serialised with its namespace (SASL, features). */
  sendXml(xml: string): void;
  /** Sends a stanza (adds `xmlns='jabber:client'` where the framing needs it). */
  sendStanza(stanza: Element): void;
  /** RFC 6120 §4.9: the stream error (with an application-specific condition, §4.9.4), the end of the stream, then the connection closes. */
  sendStreamErrorAndClose(condition: StreamErrorCondition, text?: string, appCondition?: Element): void;
  /** Our side of a graceful end (RFC 6120 §4.4; RFC 7395 §3.6 <close/>; XEP-0124 terminate). */
  close(): void;
  /** After SASL success (RFC 6120 §6.4.6): the next input is a new stream header. */
  expectStreamRestart(): void;
  /** RFC 6120 §5.4: <proceed/> then TLS; only called when `canStartTls`. */
  startTls(): void;
  /**
   * XEP-0198 §5: from now on this transport carries `session` (a resumed one, or the discarded
   * new one for the connection a resumption replaced). Transports that implement it offer
   * stream management (TCP/TLS, WebSocket); BOSH has its own reliability (XEP-0124 acks).
   */
  adopt?(session: ClientSession): void;
}
