// The login flood's process (forked by login-flood.ts, so it does not share a CPU queue with the
// legitimate users' generator): failed SASL PLAIN logins at a fixed rate from one source address,
// one per connection (header and <auth/> in one write, as a brute-force tool does), each socket
// bounded in time, at most MAX_IN_FLIGHT open at once. Counts how each attempt ended and sends
// the counts to the parent when told to stop (or at its deadline).
import { connect } from 'node:net';

export interface FloodSettings {
  host: string;
  port: number;
  domain: string;
  from: string;
  perSecond: number;
  deadlineMs: number;
  /** Accounts tried: flood%d (existing or not, the password is always wrong). */
  accounts: number;
}

export interface FloodCounts {
  attempts: number;
  /** The connection got a stream error (policy-violation: abuse control refused it). */
  refusedAtConnect: number;
  /** <failure><temporary-auth-failure/>: the login was refused without checking the password. */
  refusedAtLogin: number;
  /** <failure><not-authorized/>: the server checked the (wrong) password. */
  passwordChecked: number;
  /** Connect errors, timeouts, closes without an answer. */
  failed: number;
  /** Attempts not started because MAX_IN_FLIGHT sockets were open (the server was not answering fast enough). */
  skipped: number;
  seconds: number;
}

const MAX_IN_FLIGHT = 2000;
const ATTEMPT_TIMEOUT_MS = 5000;
const TICK_MS = 10;

export function runFlood(s: FloodSettings, done: (counts: FloodCounts) => void): () => void {
  const counts: FloodCounts = { attempts: 0, refusedAtConnect: 0, refusedAtLogin: 0, passwordChecked: 0, failed: 0, skipped: 0, seconds: 0 };
  const started = performance.now();
  let inFlight = 0;
  let due = 0; // attempts the rate asked for so far (started or skipped)
  let next = 0;
  const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${s.domain}' version='1.0'>`;

  const attempt = () => {
    counts.attempts++;
    inFlight++;
    const user = `flood${next++ % s.accounts}`;
    const auth = `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${user}\0wrong-password`).toString('base64')}</auth>`;
    const socket = connect({ host: s.host, port: s.port, localAddress: s.from });
    let seen = '';
    let settled = false;
    const end = (outcome: keyof FloodCounts) => {
      if (settled) return;
      settled = true;
      inFlight--;
      counts[outcome]++;
      socket.destroy();
    };
    socket.setTimeout(ATTEMPT_TIMEOUT_MS, () => end('failed'));
    socket.once('connect', () => socket.write(header + auth));
    socket.on('data', (chunk: Buffer) => {
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      if (seen.includes('<stream:error')) end('refusedAtConnect');
      else if (seen.includes('temporary-auth-failure')) end('refusedAtLogin');
      else if (seen.includes('</failure>')) end('passwordChecked');
    });
    socket.on('error', () => end('failed'));
    socket.on('close', () => end('failed'));
  };

  // From the elapsed time, not the number of ticks: a late timer does not lower the rate.
  const timer = setInterval(() => {
    const target = Math.floor(((performance.now() - started) / 1000) * s.perSecond);
    for (; due < target; due++) {
      if (inFlight >= MAX_IN_FLIGHT) counts.skipped++;
      else attempt();
    }
  }, TICK_MS);
  const stop = () => {
    clearInterval(timer);
    clearTimeout(deadline);
    counts.seconds = Math.round((performance.now() - started) / 100) / 10;
    done(counts);
  };
  const deadline = setTimeout(stop, s.deadlineMs);
  return stop;
}

// As a forked process (`--login-flood SETTINGS`): counts to the parent on 'stop'.
if (process.send && process.argv[2] === '--login-flood' && process.argv[3]) {
  const settings = JSON.parse(process.argv[3]) as FloodSettings;
  let stopped = false;
  const stop = runFlood(settings, (counts) => {
    if (stopped) return;
    stopped = true;
    process.send!({ counts }, () => process.exit(0));
  });
  process.on('message', (m: unknown) => {
    if ((m as { op?: string }).op === 'stop') stop();
  });
  process.on('disconnect', () => process.exit(0)); // the coordinator is gone
}
