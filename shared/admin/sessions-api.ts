// /admin/api/sessions: the resources bound on this node, and kicking one (a full JID) or all of a
// user's (a bare JID) with a stream error (RFC 6120 §4.9.3).
import { parseJid } from '../jid.js';
import type { RoutedSession } from '../router/session.js';
import type { StreamErrorCondition } from '../xml/errors.js';
import { AdminError, limitParam, stringField, type AdminRoutes } from './admin-http.js';
import type { AdminContext } from './admin-context.js';

/** Stream errors an admin may end a session with; policy-violation by default. */
export const KICK_CONDITIONS = ['policy-violation', 'not-authorized', 'reset', 'system-shutdown', 'conflict'] as const satisfies readonly StreamErrorCondition[];

export function describeSession(session: RoutedSession) {
  return {
    jid: session.jid.full,
    id: session.id,
    transport: session.transportKind ?? 'unknown',
    available: session.presence.available,
    priority: session.presence.priority,
  };
}

export function registerSessionsApi(routes: AdminRoutes, ctx: AdminContext): void {
  const { router } = ctx;

  routes.add('get', '/admin/api/sessions', ({ query }) => {
    const limit = limitParam(query, 1000, 10_000);
    const user = query.get('user');
    const bare = user ? parseJid(user)?.bare : undefined;
    if (user && !bare) throw new AdminError(400, `${JSON.stringify(user)} is not a JID`);
    const all = bare ? router.sessions.resourcesOf(bare) : router.sessions.all();
    const sessions: ReturnType<typeof describeSession>[] = [];
    for (const session of all) {
      if (sessions.length >= limit) break;
      sessions.push(describeSession(session));
    }
    return { status: 200, body: { total: bare ? all.length : router.sessions.size, sessions } };
  });

  routes.add('post', '/admin/api/sessions/kick', ({ body }) => {
    const jid = parseJid(stringField(body, 'jid'));
    if (!jid || !jid.local) throw new AdminError(400, 'The body needs "jid": a full JID (one session) or a bare JID (all of a user\'s)');
    const condition = (stringField(body, 'condition', { optional: true }) || 'policy-violation') as (typeof KICK_CONDITIONS)[number];
    if (!KICK_CONDITIONS.includes(condition)) throw new AdminError(400, `"condition" must be one of ${KICK_CONDITIONS.join(', ')}`);
    const text = stringField(body, 'text', { optional: true }) || 'Disconnected by an administrator';
    const targets = jid.resource ? [router.sessions.get(jid.full)].filter((s): s is RoutedSession => s !== undefined) : [...router.sessions.resourcesOf(jid.bare)];
    if (targets.length === 0) throw new AdminError(404, `No session of ${jid.full} is bound`);
    for (const session of targets) session.terminate(condition, text);
    return { status: 200, body: { kicked: targets.map((s) => s.jid.full), condition } };
  });
}
