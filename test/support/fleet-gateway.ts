// One all-in-one `pampero` process as a gateway node of a test fleet (one Redis, one data
// directory, free ports, plain login from loopback), and small waits the fleet tests share.
import { freePorts } from './free-port.js';
import { startPampero, type PamperoProcess } from './pampero-process.js';

export interface FleetGateway {
  proc: PamperoProcess;
  c2s: number;
}

/** Starts node `name` of the fleet on `redisUrl` and `dataDir` (heartbeat 0.5 s; the archive on, its default). */
export async function startFleetGateway(name: string, dataDir: string, redisUrl: string, env: Record<string, string> = {}): Promise<FleetGateway> {
  const [c2s, tls, component, http] = await freePorts(4);
  const proc = await startPampero(
    {
      PAMPERO_DATA_DIR: dataDir,
      PAMPERO_REDIS: redisUrl,
      PAMPERO_CLUSTER__NODE_ID: name,
      PAMPERO_CLUSTER__HEARTBEAT_SECONDS: '0.5',
      PAMPERO_C2S_PORT: String(c2s),
      PAMPERO_C2S_TLS_PORT: String(tls),
      PAMPERO_COMPONENT_PORT: String(component),
      PAMPERO_HTTP_PORT: String(http),
      PAMPERO_ALLOW_PLAIN_FROM_LOOPBACK: 'true',
      PAMPERO_LOG_LEVEL: 'warn',
      ...env,
    },
    http,
    40_000,
  );
  return { proc, c2s };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 50 ms; throws naming `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The body of a XEP-0280 carbon copy (`sent` or `received`), if the stanza is one. */
export function carbonBody(stanza: any, kind: 'sent' | 'received'): string | undefined {
  return stanza.getChild?.(kind, 'urn:xmpp:carbons:2')?.getChild('forwarded', 'urn:xmpp:forward:0')?.getChild('message')?.getChildText('body') ?? undefined;
}

/** Accounts `name@localhost` with password `name-pw`, written straight into a (stopped) fleet's data directory. */
export async function addFleetUsers(dataDir: string, names: string[]): Promise<void> {
  const { configFromObject } = await import('../../shared/config/index.js');
  const { withStores } = await import('../../cli/with-stores.js');
  const { addUser } = await import('../../cli/user-commands.js');
  await withStores(configFromObject({ dataDir }), async (stores) => {
    for (const name of names) await addUser(stores, `${name}@localhost`, `${name}-pw`);
  });
}
