import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1'
import { Job } from 'kubernetes-models/batch/v1'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1'
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1'
import { SECRET } from '../src/k8s.ts'
import { deploymentConfig, secretVariables } from '../src/sources.ts'
import type { K8sObject } from '../src/k8s.ts'
import { composeServices, containerOf, copy, k8sObjects, named, ofKind } from './manifests.ts'

// Every core kind the manifests use, as kubernetes-models builds and validates it.
const MODELS: Record<string, new (data: never) => { validate: () => void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/Secret': Secret,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy
}

function validateCore (object: K8sObject): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`]
  assert.ok(Model, `kubernetes-models knows ${object.apiVersion} ${object.kind}`)
  new Model(object as never).validate()
}

const config = deploymentConfig()
const core = k8sObjects().filter(o => !o.object.apiVersion.startsWith('kafka.strimzi.io/'))
const COMPONENTS = ['mariadb', 'postgres', 'clickhouse', 'prometheus', 'smtp', 'cassandra', 'gateway', 'console']

test('every core Kubernetes object is valid (kubernetes-models)', () => {
  assert.ok(core.length > 30)
  for (const { file, object } of core) {
    assert.doesNotThrow(() => validateCore(object), `${file}: ${object.kind} ${object.metadata.name}`)
  }
})

test('kubernetes-models refuses a container without a name, a Service port that is no number, a Job without a pod template', () => {
  const deployment = copy(named('Deployment', 'user-service')!)
  delete (containerOf(deployment) as Record<string, unknown>).name
  assert.throws(() => validateCore(deployment), /name/)
  const service = copy(named('Service', 'user-service')!)
  ;(service.spec as { ports: { port: unknown }[] }).ports[0]!.port = 'eighty'
  assert.throws(() => validateCore(service), /port/)
  const job = copy(ofKind('Job')[0]!)
  delete (job.spec as Record<string, unknown>).template
  assert.throws(() => validateCore(job), /template/)
})

test('every service of the stack has a Deployment, a Service on its stack port, a ConfigMap of settings and its secrets from the Secret', () => {
  for (const s of config.services) {
    const deployment = named('Deployment', s.name)
    const service = named('Service', s.name)
    const settings = named('ConfigMap', `${s.name}-env`)
    assert.ok(deployment && service && settings, `${s.name}: Deployment, Service, ConfigMap`)
    const c = containerOf(deployment) as ReturnType<typeof containerOf> & { ports: { name: string, containerPort: number }[], envFrom: { configMapRef: { name: string } }[], resources: { requests: Record<string, string> } }
    assert.deepEqual(c.ports, [{ name: 'http', containerPort: s.port }])
    assert.deepEqual((service.spec as { ports: { port: number }[] }).ports.map(p => p.port), [s.port])
    assert.equal(c.env?.find(e => e.name === 'RIPPLE_PROCESS')?.value, s.name)
    assert.deepEqual(c.envFrom, [{ configMapRef: { name: `${s.name}-env` } }])
    assert.equal((settings.data as Record<string, string>).PORT, String(s.port))
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory, `${s.name} requests resources`)
    if (s.database) {
      const password = c.env?.find(e => e.name === `${s.database!.engine === 'mariadb' ? 'MARIADB' : 'POSTGRES'}_PASSWORD`)
      assert.equal(password?.valueFrom?.secretKeyRef?.name, SECRET, `${s.name}'s password is a Secret reference`)
    }
    for (const secret of s.secrets) assert.equal(c.env?.find(e => e.name === secret)?.valueFrom?.secretKeyRef?.key, `RIPPLE_${secret}`)
  }
})

test('every service and component has readiness and liveness probes, the services\' on /health', () => {
  const workloads = [...ofKind('Deployment'), ...ofKind('StatefulSet')]
  for (const name of [...config.services.map(s => s.name), ...COMPONENTS]) {
    const w = workloads.find(o => o.metadata.name === name)
    assert.ok(w, `a Deployment or StatefulSet runs ${name}`)
    const c = containerOf(w) as Record<string, { httpGet?: { path: string } } | undefined>
    assert.ok(c.readinessProbe && c.livenessProbe, `${name} has both probes`)
    if (config.services.some(s => s.name === name)) {
      assert.equal(c.readinessProbe.httpGet?.path, '/health')
      assert.equal(c.livenessProbe.httpGet?.path, '/health')
    }
    assert.ok(named('Service', name), `${name} has a Service`)
  }
})

test('no password is in the manifests: no Secret object is committed, and every secret reference names a key generate.ts secrets writes', () => {
  assert.deepEqual(ofKind('Secret'), [])
  const keys = new Set(secretVariables(config).map(v => v.variable))
  const refs = JSON.stringify(core.map(o => o.object)).matchAll(/"secretKeyRef":\{"name":"([^"]+)","key":"([^"]+)"\}/g)
  let count = 0
  for (const [, name, key] of refs) {
    count++
    assert.equal(name, SECRET)
    assert.ok(keys.has(key!), `${key} is a key of ${SECRET}`)
  }
  assert.ok(count > 10)
  for (const o of core) {
    for (const e of o.object.kind === 'Deployment' || o.object.kind === 'StatefulSet' ? containerOf(o.object).env ?? [] : []) {
      if (/PASSWORD|SECRET|_KEY$/.test(e.name)) assert.ok(e.valueFrom?.secretKeyRef, `${o.object.metadata.name}.${e.name} comes from a Secret`)
    }
  }
})

test('every component of the stack is in both deployments', () => {
  const compose = composeServices()
  const inKubernetes: Record<string, () => boolean> = {
    kafka: () => ofKind('Kafka').length === 1 && ofKind('KafkaNodePool').length === 1,
    connect: () => ofKind('KafkaConnect').length === 1
  }
  for (const component of ['kafka', 'connect', ...COMPONENTS]) {
    const composeNames = component === 'kafka' ? ['kafka-1', 'kafka-2', 'kafka-3'] : [component]
    for (const name of composeNames) assert.ok(compose[name], `compose runs ${name}`)
    const found = inKubernetes[component]?.() ?? Boolean(named('Service', component) && (named('Deployment', component) ?? named('StatefulSet', component)))
    assert.ok(found, `Kubernetes runs ${component}`)
  }
})

test('Prometheus loads the stack\'s alert rules: the rules ConfigMap holds each stack/prometheus/rules file as it is, mounted where prometheus.yml names it', () => {
  const rulesDir = join(config.repoRoot, 'stack', 'prometheus', 'rules')
  const files = readdirSync(rulesDir).filter(f => f.endsWith('.rules.yml')).sort()
  assert.ok(files.length > 0)
  const rules = named('ConfigMap', 'prometheus-rules')!.data as Record<string, string>
  assert.deepEqual(Object.keys(rules).sort(), files)
  for (const f of files) assert.equal(rules[f], readFileSync(join(rulesDir, f), 'utf8'))
  const yml = JSON.parse((named('ConfigMap', 'prometheus-config')!.data as Record<string, string>)['prometheus.yml']!.replace(/^#.*\n/gm, '')) as { rule_files: string[] }
  assert.deepEqual(yml.rule_files, files.map(f => `/etc/prometheus/rules/${f}`))
  const statefulSet = named('StatefulSet', 'prometheus')!
  const mounts = containerOf(statefulSet).volumeMounts as { name: string, mountPath: string, subPath?: string }[]
  const volumes = (statefulSet.spec as { template: { spec: { volumes: { name: string, configMap?: { name: string } }[] } } }).template.spec.volumes
  const mount = mounts.find(m => m.mountPath === '/etc/prometheus/rules')
  assert.ok(mount && mount.subPath === undefined, 'the rules folder is mounted whole')
  assert.equal(volumes.find(v => v.name === mount.name)?.configMap?.name, 'prometheus-rules')
})
