// A router-based node's own state for its health snapshot, as its cluster heartbeat reports it
// (cli/fleet-membership.ts): what /readyz says, its bound sessions, the component links it holds.
import { isRemoteLink } from '../cluster/cluster-node.js';
import type { HealthEndpoints } from '../metrics/http-endpoints.js';
import type { Router } from '../router/router.js';
import type { NodeHealthFacts } from './health-snapshot-writer.js';

export function routerHealthFacts(router: Router, health: HealthEndpoints | undefined): NodeHealthFacts {
  const dependenciesDown = health?.dependenciesDown() ?? [];
  return {
    health: health?.state === 'draining' ? 'draining' : dependenciesDown.length > 0 ? 'degraded' : 'ok',
    dependenciesDown,
    sessions: router.sessions.size,
    components: [...new Set(router.components.allLinks().filter((l) => !isRemoteLink(l)).map((l) => l.domain))],
  };
}
