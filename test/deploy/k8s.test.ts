// deploy/k8s: every manifest of the base, and the production overlay as rendered by
// `kubectl kustomize` (when kubectl is installed), validates against the Kubernetes JSON schemas
// of the `kubernetes-models` package (types, required fields, enums, formats — those schemas
// allow unknown fields, so the structural checks below cover what a typo would break: selectors,
// named ports, probes, references). Every config file of the ConfigMap loads through Pampero's
// validation under the environment the pods give it.
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environmentLayer } from '../../shared/config/env-layer.js';
import { deployPath, problemsLoading, readText, readYaml, readYamlDocuments, which } from './deploy-files.js';

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> }; [key: string]: any };

const basePath = deployPath('k8s', 'base');
const kustomization = readYaml(join(basePath, 'kustomization.yaml')) as { resources: string[] };
const baseManifests: Manifest[] = kustomization.resources.flatMap((file) => readYamlDocuments(readText(join(basePath, file))) as Manifest[]);
const kubectl = which('kubectl');

/** kubernetes-models class for apiVersion/kind: v1 -> kubernetes-models/v1/Kind, apps/v1 -> kubernetes-models/apps/v1/Kind. */
async function validate(manifest: Manifest): Promise<void> {
  const mod = (await import(`kubernetes-models/${manifest.apiVersion}/${manifest.kind}`)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = mod[manifest.kind];
  if (!Model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest).validate();
}

const byKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const workloads = (manifests: Manifest[]) => manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet');
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);

function checkStructure(manifests: Manifest[]): void {
  const names = new Set(manifests.map((m) => `${m.kind}/${m.metadata.name}`));
  for (const w of workloads(manifests)) {
    const id = `${w.kind}/${w.metadata.name}`;
    const pod = w.spec.template;
    expect([id, matches(w.spec.selector.matchLabels, pod.metadata.labels)]).toEqual([id, true]);
    expect([id, pod.metadata.annotations?.['prometheus.io/scrape']]).toEqual([id, 'true']);
    for (const c of pod.spec.containers) {
      const ports = new Set((c.ports ?? []).map((p: { name: string }) => p.name));
      expect([id, c.readinessProbe?.httpGet?.path, c.livenessProbe?.httpGet?.path]).toEqual([id, '/readyz', '/healthz']);
      for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) expect([id, ports.has(probe.httpGet.port)]).toEqual([id, true]);
      expect([id, c.resources?.requests?.cpu !== undefined, c.resources?.limits?.memory !== undefined]).toEqual([id, true, true]);
      expect([id, c.securityContext?.allowPrivilegeEscalation]).toEqual([id, false]);
      for (const from of c.envFrom ?? []) expect(names.has(`ConfigMap/${from.configMapRef.name}`)).toBe(true);
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) expect(e.valueFrom.secretKeyRef.name).toBe('pampero-secrets');
      const mounts = new Set<string>((c.volumeMounts ?? []).map((m: { name: string }) => m.name));
      const volumes = new Set<string>([...(pod.spec.volumes ?? []), ...(w.spec.volumeClaimTemplates ?? []).map((v: Manifest) => v.metadata)].map((v: { name: string }) => v.name));
      for (const m of mounts) expect([id, m, volumes.has(m)]).toEqual([id, m, true]);
    }
    expect([id, pod.spec.securityContext?.runAsNonRoot]).toEqual([id, true]);
  }
  for (const svc of byKind(manifests, 'Service').filter((s) => s.spec.selector)) {
    const targets = workloads(manifests).filter((w) => matches(svc.spec.selector, w.spec.template.metadata.labels));
    expect([svc.metadata.name, targets.length]).toEqual([svc.metadata.name, 1]);
    const ports = new Set(targets[0]!.spec.template.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name)));
    for (const p of svc.spec.ports) expect([svc.metadata.name, ports.has(p.targetPort)]).toEqual([svc.metadata.name, true]);
  }
  for (const pdb of byKind(manifests, 'PodDisruptionBudget')) {
    expect([pdb.metadata.name, workloads(manifests).filter((w) => matches(pdb.spec.selector.matchLabels, w.spec.template.metadata.labels)).length]).toEqual([pdb.metadata.name, 1]);
  }
  for (const hpa of byKind(manifests, 'HorizontalPodAutoscaler')) {
    expect(names.has(`${hpa.spec.scaleTargetRef.kind}/${hpa.spec.scaleTargetRef.name}`)).toBe(true);
  }
}

describe('base', () => {
  test.each(baseManifests.map((m) => [`${m.kind}/${m.metadata.name}`, m] as const))('%s validates against the Kubernetes schema', async (_id, manifest) => {
    await validate(manifest);
  });

  test('the schema check catches a wrong type (it is not a no-op)', async () => {
    const bad = structuredClone(baseManifests.find((m) => m.kind === 'Deployment')!);
    bad.spec.template.spec.containers[0].ports[0].containerPort = 'five';
    await expect(validate(bad)).rejects.toThrow(/containerPort/);
  });

  test('selectors, named ports, probes, volumes and references fit together', () => {
    checkStructure(baseManifests);
  });

  test('gateways: Deployment, Service without session affinity, a PDB, preStop drain within the grace period', () => {
    const gw = baseManifests.find((m) => m.kind === 'Deployment' && m.metadata.name === 'pampero-gateway')!;
    const svc = baseManifests.find((m) => m.kind === 'Service' && m.metadata.name === 'pampero-gateway')!;
    expect(svc.spec.sessionAffinity).toBe('None');
    expect(byKind(baseManifests, 'PodDisruptionBudget').map((p) => p.metadata.name)).toContain('pampero-gateway');
    const container = gw.spec.template.spec.containers[0];
    const preStop = container.lifecycle.preStop.exec.command.join(' ') as string;
    expect(preStop).toContain('/admin/api/drain');
    const sleepMs = Number(/setTimeout\(r,(\d+)\)/.exec(preStop)![1]);
    // Drain wait + Pampero's own stop (at most 15 s, docs/cli.md) must fit in the grace period.
    expect(gw.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(sleepMs / 1000 + 15);
    expect(gw.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  test('the HPA scales gateways on CPU and on the pampero_c2s_connections metric the gateways export', () => {
    const hpa = byKind(baseManifests, 'HorizontalPodAutoscaler').find((h) => h.metadata.name === 'pampero-gateway')!;
    expect(hpa.spec.metrics.map((m: any) => m.resource?.name ?? m.pods?.metric.name)).toEqual(['cpu', 'pampero_c2s_connections']);
    expect(readText(join(deployPath('..'), 'docs', 'metrics.md'))).toContain('`pampero_c2s_connections`');
  });

  test("every role's config file in the ConfigMap loads under the environment its pods get", () => {
    const config = baseManifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'pampero-config')!;
    const envMap = baseManifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'pampero-env')!.data as Record<string, string>;
    const dir = mkdtempSync(join(tmpdir(), 'pampero-k8s-'));
    try {
      for (const w of workloads(baseManifests)) {
        const c = w.spec.template.spec.containers[0];
        const role = c.args[c.args.indexOf('--role') + 1] as string;
        const env: Record<string, string> = { ...envMap };
        for (const e of c.env) env[e.name] = e.value ?? (e.valueFrom?.fieldRef ? `${w.metadata.name}-0` : e.valueFrom.secretKeyRef.key === 'redis-url' ? 'redis://:pw@pampero-redis:6379' : e.valueFrom.secretKeyRef.optional ? '' : 'secret-value');
        for (const [k, v] of Object.entries(env)) if (v === '') delete env[k]; // optional keys absent from the Secret
        expect([w.metadata.name, env.PAMPERO_CONFIG]).toEqual([w.metadata.name, `/etc/pampero/${role}.yaml`]);
        const file = join(dir, `${role}.yaml`);
        writeFileSync(file, config.data[`${role}.yaml`]);
        const { PAMPERO_CONFIG: _ignored, ...rest } = env;
        expect([w.metadata.name, environmentLayer(rest).problems]).toEqual([w.metadata.name, []]);
        expect([w.metadata.name, problemsLoading(file, env)]).toEqual([w.metadata.name, []]);
        expect([w.metadata.name, config.data[`${role}.yaml`]]).toEqual([w.metadata.name, expect.stringContaining(`role: ${role}\n`)]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('production overlay', () => {
  (kubectl ? test : test.skip)('renders with `kubectl kustomize`, validates, and fits together', async () => {
    const rendered = readYamlDocuments(execFileSync(kubectl!, ['kustomize', deployPath('k8s', 'overlays', 'production')], { encoding: 'utf8' })) as Manifest[];
    for (const manifest of rendered) await validate(manifest);
    checkStructure(rendered);
    expect(rendered.every((m) => m.kind === 'Namespace' || m.metadata.namespace === 'pampero')).toBe(true);
    expect(rendered.some((m) => m.kind === 'Secret')).toBe(false); // placeholder secret dropped
    const gw = rendered.find((m) => m.kind === 'Deployment' && m.metadata.name === 'pampero-gateway')!;
    const c = gw.spec.template.spec.containers[0];
    expect(c.image).toBe('registry.example.org/pampero:0.1.0');
    expect(c.env.map((e: { name: string }) => e.name)).toEqual(expect.arrayContaining(['PAMPERO_TLS__CERT_FILE', 'PAMPERO_TLS__KEY_FILE']));
    const envMap = rendered.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'pampero-env')!.data as Record<string, string>;
    expect(environmentLayer(envMap).problems).toEqual([]);
  });
  if (!kubectl) test.todo('kubectl kustomize: skipped, no kubectl binary');

  test('every patch of the overlay names a resource of the base', () => {
    const overlay = readYaml(deployPath('k8s', 'overlays', 'production', 'kustomization.yaml')) as { patches: Array<{ path: string }> };
    const names = new Set(baseManifests.map((m) => `${m.kind}/${m.metadata.name}`));
    for (const patch of overlay.patches) {
      const doc = readYaml(deployPath('k8s', 'overlays', 'production', patch.path)) as Manifest;
      expect([patch.path, names.has(`${doc.kind}/${doc.metadata.name}`)]).toEqual([patch.path, true]);
    }
  });
});
