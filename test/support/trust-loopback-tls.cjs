// Test servers use a generated self-signed certificate, and client libraries such as
// @xmpp/client cannot be given a CA. Jest sandboxes process.env, so NODE_TLS_REJECT_UNAUTHORIZED
// set in a test never reaches node:tls; instead, TLS connections to loopback skip verification.
// Only loaded by jest (setupFiles); never by the server.
const tls = require('node:tls');
const original = tls.connect;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
tls.connect = function connectTrustingLoopback(...args) {
  const options = args.find((a) => a && typeof a === 'object' && !Buffer.isBuffer(a));
  const host = options?.host ?? options?.servername ?? (options?.socket && options.socket.remoteAddress);
  if (options && options.rejectUnauthorized === undefined && (LOOPBACK.has(host) || String(host).startsWith('127.') || (options.socket && String(options.socket.remoteAddress).startsWith('127.')))) {
    options.rejectUnauthorized = false;
  }
  return original.apply(this, args);
};
