// Who the load goes to: address per transport, domain and the account pattern. Load is only sent
// to loopback unless the operator says otherwise (--allow-remote): a load generator pointed at a
// production server by a typo is an outage.
import { isIP } from 'node:net';
import type { TransportKind } from './client/transport.js';
import type { SaslChoice } from './client/sasl-auth.js';

export interface Target {
  transport: TransportKind;
  host: string;
  port: number;
  /** tcp: several c2s ports (a fleet's gateways); client i connects to ports[i % length] instead of `port`. */
  ports?: number[];
  /** STARTTLS on the TCP transport. */
  starttls: boolean;
  websocketUrl: string;
  boshUrl: string;
  domain: string;
  userFormat: string;
  passwordFormat: string;
  firstIndex: number;
  resource: string;
  /** Per protocol step (connect, features, auth, bind, …). */
  timeoutMs: number;
  /** SASL mechanism of every login (--sasl); absent: PLAIN. */
  sasl?: SaslChoice;
}

/** The c2s port client i connects to. */
export function portOf(target: Target, i: number): number {
  return target.ports && target.ports.length > 0 ? target.ports[i % target.ports.length]! : target.port;
}

/** `load%d` with n → `load<n>`; a pattern without %d is used as is (one shared password). */
export function fillPattern(pattern: string, n: number): string {
  return pattern.replace(/%d/g, String(n));
}

/** Index i (0-based, as the scenarios count) → account number firstIndex + i. */
export function userName(target: Target, i: number): string {
  return fillPattern(target.userFormat, target.firstIndex + i);
}

export function password(target: Target, i: number): string {
  return fillPattern(target.passwordFormat, target.firstIndex + i);
}

export function fullJid(target: Target, i: number): string {
  return `${userName(target, i)}@${target.domain}/${target.resource}`;
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}

/** The host the chosen transport really connects to. */
export function transportHost(target: Target): string {
  if (target.transport === 'websocket') return new URL(target.websocketUrl).hostname;
  if (target.transport === 'bosh') return new URL(target.boshUrl).hostname;
  return target.host;
}

export function assertAllowedTarget(target: Target, allowRemote: boolean): void {
  const host = transportHost(target);
  if (!allowRemote && !isLoopbackHost(host)) {
    throw new Error(`refusing to load ${host}: not a loopback address (127.0.0.0/8, ::1); pass --allow-remote if you mean it`);
  }
}
