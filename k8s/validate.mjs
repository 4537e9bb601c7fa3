#!/usr/bin/env node
// Offline validation of rbon's Kubernetes manifests: no cluster needed.
//   node k8s/validate.mjs
// 1. renders every kustomization under k8s/ with `kubectl kustomize` (components through a generated overlay);
// 2. validates each rendered object against its OpenAPI schema with kubernetes-models@4 (core API) and
//    @kubernetes-models/prometheus-operator@4 (ServiceMonitor); Gateway API and gateway-specific policies have no
//    Node 20 compatible models package, so HTTPRoute and ClientSettingsPolicy get a hand-written structural check;
// 3. checks rbon's own rules (probes, security context, resources, names that refer to each other).
// The npm packages are installed once into k8s/.validate-cache (git-ignored).
// Exit: 0 all valid, 1 invalid objects, 3 kubectl or npm missing (the JUnit wrapper fails on anything but 0).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const K8S = path.dirname(fileURLToPath(import.meta.url));
const CACHE = path.join(K8S, '.validate-cache');
const PACKAGES = ['kubernetes-models@4.5.1', '@kubernetes-models/prometheus-operator@4.4.4', 'js-yaml@4.1.0'];

function have(cmd) {
  try { execFileSync(cmd, ['version', '--client'], { stdio: 'ignore' }); return true; } catch { return false; }
}
if (!have('kubectl')) { console.error('SKIP: kubectl not found (needed for `kubectl kustomize`)'); process.exit(3); }
if (!fs.existsSync(path.join(CACHE, 'node_modules', 'kubernetes-models', 'package.json'))
    || !fs.existsSync(path.join(CACHE, 'node_modules', 'js-yaml', 'package.json'))
    || !fs.existsSync(path.join(CACHE, 'node_modules', '@kubernetes-models', 'prometheus-operator', 'package.json'))) {
  fs.mkdirSync(CACHE, { recursive: true });
  if (!fs.existsSync(path.join(CACHE, 'package.json'))) {
    fs.writeFileSync(path.join(CACHE, 'package.json'), '{"name":"rbon-k8s-validate","private":true}\n');
  }
  console.log(`installing ${PACKAGES.join(' ')} into ${CACHE}`);
  try {
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', ...PACKAGES], { cwd: CACHE, stdio: 'inherit' });
  } catch (e) {
    console.error('SKIP: npm install failed: ' + e.message); process.exit(3);
  }
}
const require = createRequire(path.join(CACHE, 'node_modules') + path.sep);
const yaml = require('js-yaml');

// ---------------------------------------------------------------- rendering
function kustomizations(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) kustomizations(p, out);
    else if (e.name === 'kustomization.yaml') out.push(dir);
  }
  return out;
}
const targets = [];
const components = [];
for (const dir of kustomizations(K8S).sort()) {
  const k = yaml.load(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'));
  (k.kind === 'Component' ? components : targets).push(dir);
}
// a component cannot be rendered alone: render it on top of the cpu overlay
// (kustomize refuses absolute paths: the generated overlay lives under k8s/.validate-cache and refers relatively)
const tmp = path.join(CACHE, 'render');
fs.rmSync(tmp, { recursive: true, force: true });
fs.mkdirSync(tmp, { recursive: true });
for (const c of components) {
  const d = path.join(tmp, path.basename(c));
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'kustomization.yaml'), yaml.dump({
    apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization',
    resources: [path.relative(d, path.join(K8S, 'overlays', 'cpu'))], components: [path.relative(d, c)],
  }));
  targets.push(d);
}

// ---------------------------------------------------------------- schema validation
const MODELS = {
  'monitoring.coreos.com/v1': (kind) => `@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${kind}`,
};
function modelFor(apiVersion, kind) {
  const m = MODELS[apiVersion];
  if (m) return require(m(kind))[kind];
  const mod = `kubernetes-models/${apiVersion}/${kind}`;
  try { return require(mod)[kind]; } catch { return null; }
}

const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/; // Gateway API's Duration format
function checkHTTPRoute(o, err) {
  const s = o.spec ?? {};
  if (o.apiVersion !== 'gateway.networking.k8s.io/v1') err(`apiVersion ${o.apiVersion}: expected gateway.networking.k8s.io/v1`);
  if (!Array.isArray(s.parentRefs) || s.parentRefs.length === 0) err('spec.parentRefs: at least one');
  for (const [i, p] of (s.parentRefs ?? []).entries()) if (typeof p.name !== 'string') err(`spec.parentRefs[${i}].name: string`);
  if (!Array.isArray(s.rules) || s.rules.length === 0 || s.rules.length > 16) err('spec.rules: 1..16');
  const known = new Set(['name', 'matches', 'filters', 'backendRefs', 'timeouts', 'retry', 'sessionPersistence']);
  for (const [i, r] of (s.rules ?? []).entries()) {
    for (const k of Object.keys(r)) if (!known.has(k)) err(`spec.rules[${i}].${k}: unknown field`);
    for (const [j, m] of (r.matches ?? []).entries()) {
      const t = m.path?.type;
      if (t && !['Exact', 'PathPrefix', 'RegularExpression'].includes(t)) err(`spec.rules[${i}].matches[${j}].path.type: ${t}`);
      if (m.path?.value && !m.path.value.startsWith('/')) err(`spec.rules[${i}].matches[${j}].path.value must start with /`);
      if (m.method && !['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'].includes(m.method)) err(`spec.rules[${i}].matches[${j}].method`);
    }
    for (const [j, b] of (r.backendRefs ?? []).entries()) {
      if (typeof b.name !== 'string') err(`spec.rules[${i}].backendRefs[${j}].name: string`);
      if ((b.kind ?? 'Service') === 'Service' && !Number.isInteger(b.port)) err(`spec.rules[${i}].backendRefs[${j}].port: integer for a Service`);
    }
    const t = r.timeouts;
    if (t) {
      for (const k of Object.keys(t)) {
        if (!['request', 'backendRequest'].includes(k)) err(`spec.rules[${i}].timeouts.${k}: unknown field`);
        else if (!DURATION.test(t[k])) err(`spec.rules[${i}].timeouts.${k}: not a Gateway API duration: ${t[k]}`);
      }
      if (t.request && t.backendRequest && seconds(t.backendRequest) > seconds(t.request)) err(`spec.rules[${i}].timeouts: backendRequest must not exceed request`);
    }
  }
}
function checkClientSettingsPolicy(o, err) {
  const s = o.spec ?? {};
  if (!s.targetRef?.kind || !s.targetRef?.name || s.targetRef?.group !== 'gateway.networking.k8s.io') err('spec.targetRef: group gateway.networking.k8s.io, kind, name');
  if (s.body?.maxSize !== undefined && !/^\d{1,4}[kKmMgG]?$/.test(String(s.body.maxSize))) err(`spec.body.maxSize: ${s.body.maxSize}`);
}
const HAND = { HTTPRoute: checkHTTPRoute, ClientSettingsPolicy: checkClientSettingsPolicy };
function seconds(d) {
  let total = 0;
  for (const [, n, u] of String(d).matchAll(/(\d+)(ms|h|m|s)/g)) total += Number(n) * { h: 3600, m: 60, s: 1, ms: 0.001 }[u];
  return total;
}

// ---------------------------------------------------------------- rbon's rules on the rendered set
function checkRbon(objs, err) {
  const byKind = (k) => objs.filter((o) => o.kind === k);
  const deps = byKind('Deployment');
  if (deps.length !== 1) err(`expected one Deployment, found ${deps.length}`);
  for (const d of deps) {
    const pod = d.spec.template.spec;
    const where = `Deployment/${d.metadata.name}`;
    if (pod.securityContext?.runAsNonRoot !== true) err(`${where}: pod securityContext.runAsNonRoot`);
    if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') err(`${where}: pod seccompProfile RuntimeDefault`);
    for (const c of pod.containers) {
      const sc = c.securityContext ?? {};
      if (sc.readOnlyRootFilesystem !== true) err(`${where}/${c.name}: readOnlyRootFilesystem`);
      if (sc.allowPrivilegeEscalation !== false) err(`${where}/${c.name}: allowPrivilegeEscalation false`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) err(`${where}/${c.name}: capabilities drop ALL`);
      for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe']) if (!c[p]?.httpGet) err(`${where}/${c.name}: ${p}`);
      for (const r of ['cpu', 'memory']) {
        if (!c.resources?.requests?.[r]) err(`${where}/${c.name}: requests.${r}`);
        if (!c.resources?.limits?.[r]) err(`${where}/${c.name}: limits.${r}`);
      }
      if (!(c.volumeMounts ?? []).some((m) => m.mountPath === '/tmp')) err(`${where}/${c.name}: writable /tmp`);
      const models = (c.volumeMounts ?? []).find((m) => m.mountPath === '/models');
      if (!models || models.readOnly !== true) err(`${where}/${c.name}: /models mounted read-only`);
      for (const ref of c.envFrom ?? []) {
        const name = ref.configMapRef?.name;
        if (name && !byKind('ConfigMap').some((m) => m.metadata.name === name)) err(`${where}: envFrom ConfigMap ${name} not rendered`);
      }
    }
    for (const v of pod.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (claim && !byKind('PersistentVolumeClaim').some((p) => p.metadata.name === claim)) err(`${where}: PVC ${claim} not rendered`);
    }
    // after preStop and SIGTERM: rbon.shutdown.grace-period, the workers' stop (10 s, WorkerPool.WORKERS_STOP),
    // quarkus.shutdown.timeout (defaults as in RbonConfig and application.properties)
    const cm = byKind('ConfigMap').find((m) => m.metadata.name.startsWith('rbon-config'))?.data ?? {};
    const seconds = (v) => (v.endsWith('ms') ? Number(v.slice(0, -2)) / 1000 : Number(v.slice(0, -1)) * { s: 1, m: 60, h: 3600 }[v.at(-1)]);
    const drain = seconds(cm.RBON_SHUTDOWN_GRACE_PERIOD ?? '30s') + 10 + seconds(cm.QUARKUS_SHUTDOWN_TIMEOUT ?? '5s');
    const pre = Number(pod.containers[0].lifecycle?.preStop?.exec?.command?.at(-1) ?? 0);
    if (!(pod.terminationGracePeriodSeconds > drain + pre)) err(`${where}: terminationGracePeriodSeconds must exceed preStop + drain (${pre + drain}s)`);
    const labels = d.spec.template.metadata.labels;
    const selects = (sel) => Object.entries(sel ?? {}).every(([k, v]) => labels[k] === v);
    for (const s of byKind('Service')) if (!selects(s.spec.selector)) err(`Service/${s.metadata.name}: selector does not match the pods`);
    for (const p of byKind('PodDisruptionBudget')) if (!selects(p.spec.selector.matchLabels)) err(`PodDisruptionBudget: selector does not match the pods`);
    for (const n of byKind('NetworkPolicy')) if (!selects(n.spec.podSelector.matchLabels)) err(`NetworkPolicy: podSelector does not match the pods`);
    for (const h of byKind('HorizontalPodAutoscaler')) {
      if (h.spec.scaleTargetRef.kind !== 'Deployment' || h.spec.scaleTargetRef.name !== d.metadata.name) err('HPA: scaleTargetRef');
      if (!h.spec.metrics.some((m) => m.type === 'Pods')) err('HPA: scales on a Pods metric');
    }
  }
  // a remote engine (rbon.models.<role>.url) must be reachable: egress to its port, and to DNS for its name
  const config = byKind('ConfigMap').find((m) => m.metadata.name.startsWith('rbon-config'));
  const egressPorts = byKind('NetworkPolicy').flatMap((n) => (n.spec.egress ?? []).flatMap((e) => (e.ports ?? []).map((p) => p.port)));
  for (const [key, value] of Object.entries(config?.data ?? {})) {
    if (!/^RBON_MODELS_[A-Z]+_URL$/.test(key)) continue;
    let url;
    try { url = new URL(value); } catch { err(`${key}: not a URL: ${value}`); continue; }
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    if (!egressPorts.includes(port)) err(`${key}: no NetworkPolicy egress to port ${port}`);
    if (!egressPorts.includes(53)) err(`${key}: no NetworkPolicy egress to DNS (53) for ${url.hostname}`);
  }
  const services = byKind('Service');
  for (const r of byKind('HTTPRoute')) for (const rule of r.spec.rules) for (const b of rule.backendRefs ?? []) {
    const s = services.find((x) => x.metadata.name === b.name);
    if (!s || !s.spec.ports.some((p) => p.port === b.port)) err(`HTTPRoute: backendRef ${b.name}:${b.port} has no Service port`);
  }
  for (const m of byKind('ServiceMonitor')) for (const e of m.spec.endpoints) {
    if (!services.some((s) => s.spec.ports.some((p) => p.name === e.port))) err(`ServiceMonitor: no Service port named ${e.port}`);
  }
}

// ---------------------------------------------------------------- run
let passed = 0;
let failed = 0;
for (const dir of targets) {
  const label = !dir.startsWith(tmp) ? path.relative(path.dirname(K8S), dir) : `${path.basename(dir)} (component on overlays/cpu)`;
  let rendered;
  try {
    rendered = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    console.log(`FAIL ${label}: kubectl kustomize: ${e.stderr || e.message}`); failed++; continue;
  }
  const objs = yaml.loadAll(rendered).filter(Boolean);
  const errors = [];
  for (const o of objs) {
    const id = `${o.apiVersion} ${o.kind}/${o.metadata?.name}`;
    const err = (m) => errors.push(`${id}: ${m}`);
    const hand = HAND[o.kind];
    const Model = hand ? null : modelFor(o.apiVersion, o.kind);
    if (hand) hand(o, err);
    else if (!Model) err('no schema known for this kind');
    else {
      try { new Model(o).validate(); } catch (e) { err(e.message); }
    }
  }
  checkRbon(objs, (m) => errors.push(m));
  if (errors.length === 0) {
    passed++;
    console.log(`ok   ${label}: ${objs.length} objects (${objs.map((o) => o.kind).join(', ')})`);
  } else {
    failed++;
    console.log(`FAIL ${label}:\n  ${errors.join('\n  ')}`);
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
