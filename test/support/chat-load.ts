// Chat under load through a fleet, counting what the server acknowledged: users (ChatUser, a real
// @xmpp/client with XEP-0198) send numbered messages to their peer; afterwards every acknowledged
// message must have been received, live or from offline storage at the next login.
import { ChatUser } from '../../loadtest/tool/client/chat-user.js';

export { ChatUser, type ChatUserOptions } from '../../loadtest/tool/client/chat-user.js';

export interface ChatLoad {
  users: ChatUser[];
  /** Messages sent so far. */
  sent(): number;
  /** Stops sending. */
  stop(): void;
}

/** Every `intervalMs` each user sends (bodies `TAGfrom>to#n`) its next numbered message to its peer (pairs: 0↔1, 2↔3, …). */
export function startChatLoad(users: ChatUser[], intervalMs = 150, tag = ''): ChatLoad {
  let n = 0;
  let count = 0;
  const timer = setInterval(() => {
    n++;
    for (const [i, user] of users.entries()) {
      const peer = users[i ^ 1];
      if (!peer) continue;
      user.send(peer.jid, `${tag}${user.opts.username}>${peer.opts.username}#${n}`);
      count++;
    }
  }, intervalMs);
  return { users, sent: () => count, stop: () => clearInterval(timer) };
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

export interface LoadOutcome {
  sent: number;
  acked: number;
  /** Acknowledged by the server but never received. */
  lost: string[];
  notAcked: number;
  bounced: string[];
  events: string[];
}

/**
 * After the load stopped: waits until every message is acknowledged and every acknowledged one
 * received; messages still missing are looked for in offline storage by logging the users in again.
 */
export async function settleLoad(load: ChatLoad, timeoutMs = 20_000): Promise<LoadOutcome> {
  load.stop();
  const { users } = load;
  const missing = () => {
    const lost: string[] = [];
    for (const [i, user] of users.entries()) {
      const peer = users[i ^ 1];
      if (peer) for (const body of user.acked) if (!peer.received.has(body)) lost.push(body);
    }
    return lost;
  };
  const half = timeoutMs / 2;
  await until(() => {
    for (const u of users) u.requestAck();
    return users.every((u) => u.pending === 0);
  }, half);
  if (!(await until(() => missing().length === 0, half / 2))) {
    // Offline storage: whatever reached a user while it was between gateways arrives at login.
    for (const u of users) await u.relogin().catch((err: Error) => u.events.push(`relogin failed: ${err.message}`));
    await until(() => missing().length === 0, half / 2);
  }
  return {
    sent: load.sent(),
    acked: users.reduce((s, u) => s + u.acked.size, 0),
    lost: missing(),
    notAcked: users.reduce((s, u) => s + u.pending, 0),
    bounced: users.flatMap((u) => u.bounced),
    events: users.flatMap((u) => u.events.map((e) => `${u.opts.username}: ${e}`)),
  };
}
