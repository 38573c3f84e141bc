// Runs a slixmpp probe script (test/e2e/slixmpp_*.py, with Debian's python3-slixmpp) and parses
// the one JSON line it prints last; rejects with its stderr when there is none.
import { execFile } from 'node:child_process';

export function runSlixmppScript(script: string, args: string[], timeoutMs = 90_000): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/python3', [script, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`slixmpp failed: ${err?.message ?? ''} ${stderr.slice(-2000)}`));
      }
    });
  });
}
