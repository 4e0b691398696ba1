import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import type { StackConfig } from '../../src/config.ts'
import { loadStackConfig } from '../../src/config.ts'
import { gateway } from '../../src/components/gateway.ts'
import { gatewayConfig, haproxyConfig, loadRoutes, operatorKeyHash, parseRoutes, resolveBackends, ROUTES_FILE } from '../../src/components/gateway.config.ts'
import { StackError } from '../../src/errors.ts'

const env = { RIPPLE_HOME: '/tmp/ripple-gateway-unit', RIPPLE_GATEWAY_PORT: '18080', RIPPLE_GATEWAY_METRICS_PORT: '18405', RIPPLE_CONNECT_PORT: '18083', RIPPLE_CARGA_SERVICE_PORT: '18010' }
const config = loadStackConfig(env)
const routesText = readFileSync(join(config.repoRoot, ROUTES_FILE), 'utf8')
const withoutCarga = (c: StackConfig): StackConfig => ({ ...c, services: c.services.filter(s => s.name !== 'carga-service') })

const minimal = {
  backends: { connect: { component: 'connect', health: '/' } },
  routes: [{ name: 'list', methods: ['GET'], paths: ['/connectors'], backend: 'connect', rateLimit: { requests: 5, perSeconds: 10 }, maxBodyBytes: 0 }]
}
const refusal = (file: unknown): string => {
  try {
    parseRoutes(typeof file === 'string' ? file : JSON.stringify(file), 'gateway/routes.json')
  } catch (err) {
    assert.ok(err instanceof StackError)
    assert.equal(err.code, 'INVALID_ROUTES')
    return err.message
  }
  assert.fail('the routes file was accepted')
}

test('the repository\'s routes file: POST /carga and GET /carga/{id} to carga-service, /connectors reads open and writes behind the operator key', () => {
  const routes = loadRoutes(config)
  const byName = new Map(routes.routes.map(r => [r.name, r]))
  assert.deepEqual(byName.get('carga-write')?.methods, ['POST'])
  assert.deepEqual(byName.get('carga-write')?.paths, ['/carga'])
  assert.deepEqual(byName.get('carga-read')?.paths, ['/carga/{id}'])
  // carga-service answers for itself when a store behind it is down: only a TCP check, not /health.
  assert.equal(routes.backends[byName.get('carga-write')!.backend]?.health, undefined)
  assert.deepEqual(byName.get('connectors-read')?.paths, ['/connectors', '/connectors/{name}', '/connectors/{name}/status'])
  assert.equal(byName.get('connectors-read')?.operatorKey, false)
  assert.deepEqual(byName.get('connectors-write')?.methods, ['POST', 'PUT', 'DELETE'])
  assert.equal(byName.get('connectors-write')?.operatorKey, true)
  for (const r of routes.routes) assert.ok(r.rateLimit.requests > 0 && r.maxBodyBytes >= 0, r.name)
})

test('backends resolve to the stack\'s ports: Connect\'s, and carga-service\'s from the registry or, unregistered, RIPPLE_CARGA_SERVICE_PORT or 8010', () => {
  const routes = loadRoutes(config)
  const resolved = resolveBackends(config, routes)
  assert.deepEqual(resolved['kafka-connect'], { host: '127.0.0.1', port: 18083, health: '/', authorizationVariable: 'GATEWAY_CONNECT_AUTHORIZATION' })
  assert.equal(resolved['carga-service']?.port, 18010)
  assert.equal(resolveBackends(withoutCarga(config), routes)['carga-service']?.port, 18010)
  const defaults = withoutCarga(loadStackConfig({ RIPPLE_HOME: env.RIPPLE_HOME }))
  assert.deepEqual(resolveBackends(defaults, routes)['carga-service'], { host: '127.0.0.1', port: 8010 })
  const badPort = withoutCarga(loadStackConfig({ RIPPLE_HOME: env.RIPPLE_HOME }))
  assert.throws(() => resolveBackends({ ...badPort, childEnv: { RIPPLE_CARGA_SERVICE_PORT: 'eighty' } }, routes), /Invalid environment variable RIPPLE_CARGA_SERVICE_PORT/)
})

test('the generated haproxy.cfg: listeners, one backend per target with its health check (GET or TCP), the exporter', () => {
  const cfg = gatewayConfig(config)
  assert.match(cfg, /^frontend gateway\n {4}bind 127\.0\.0\.1:18080$/m)
  assert.match(cfg, /^frontend metrics\n {4}bind 127\.0\.0\.1:18405$/m)
  assert.match(cfg, /^ {4}http-request use-service prometheus-exporter if \{ path \/metrics \}$/m)
  assert.match(cfg, /^backend backend-carga-service\n {4}server carga-service 127\.0\.0\.1:18010 check /m)
  // Connect asks every caller for credentials, the health check included: the gateway's own, as an
  // environment variable HAProxy expands, so the file never holds them.
  assert.match(cfg, /^backend backend-kafka-connect\n {4}option httpchk\n {4}http-check send meth GET uri \/ hdr Authorization "\$\{GATEWAY_CONNECT_AUTHORIZATION\}"\n {4}http-request set-header Authorization "\$\{GATEWAY_CONNECT_AUTHORIZATION\}"\n {4}server kafka-connect 127\.0\.0\.1:18083 check /m)
  assert.ok(!cfg.includes(config.secrets.connect.gateway), 'the gateway\'s Connect password is not in the file')
  assert.ok(!/^backend backend-carga-service\n.*Authorization/m.test(cfg), 'a service gets no Connect credentials')
  assert.match(cfg, /^ {4}use_backend backend-carga-service if \{ var\(txn\.route\) -m str carga-write \}$/m)
  assert.match(cfg, /^ {4}use_backend backend-kafka-connect if \{ var\(txn\.route\) -m str connectors-read \}$/m)
  // The process runs in the foreground as the supervisor's child, logging to stdout.
  assert.match(cfg, /^ {4}log stdout format raw local0 info$/m)
  assert.ok(!/^ {4}daemon$/m.test(cfg))
})

test('routes become anchored path regexes per method, and everything else is a JSON 404', () => {
  const cfg = gatewayConfig(config)
  assert.match(cfg, /set-var\(txn\.route\) str\(carga-write\) if !\{ var\(txn\.route\) -m found \} \{ method POST \} \{ path -m reg '\^\/carga\$' \}/)
  assert.match(cfg, /str\(carga-read\) if .*\{ method GET HEAD \} \{ path -m reg '\^\/carga\/\[\^\/\]\+\$' \}/)
  assert.match(cfg, /str\(connectors-read\) if .*'\^\/connectors\$' '\^\/connectors\/\[\^\/\]\+\$' '\^\/connectors\/\[\^\/\]\+\/status\$'/)
  assert.match(cfg, /^ {4}http-request deny deny_status 404 unless \{ var\(txn\.route\) -m found \}$/m)
  assert.match(cfg, /^ {4}http-error status 404 content-type application\/json string '\{"error":"not_found","message":"[^']+"\}'$/m)
  for (const status of [400, 403, 413, 429, 502, 503, 504]) assert.match(cfg, new RegExp(`^ {4}http-error status ${status} content-type application/json string '\\{"error":"[a-z_]+","message":"[^']+"\\}'$`, 'm'))
})

test('the operator key is compared as its SHA-256, never written, and not passed on to the backend', () => {
  const cfg = gatewayConfig(config)
  const key = config.secrets.generated.OPERATOR_KEY
  assert.ok(!cfg.includes(key))
  assert.equal(operatorKeyHash('k'), '8254C329A92850F6D539DD376F4816EE2764517DA5E0235514AF433164480D7A')
  const rule = cfg.split('\n').find(l => l.includes('deny_status 403'))
  assert.ok(rule?.includes('if { var(txn.route) -m str connectors-write } !{ req.hdr(x-operator-key),sha2(256),hex -m str ' + operatorKeyHash(key) + ' }'), rule)
  assert.equal(cfg.split('\n').filter(l => l.includes('deny_status 403')).length, 1, 'only the route marked operatorKey needs it')
  assert.match(cfg, /^ {4}http-request del-header X-Operator-Key$/m)
})

test('each route has its own per-client rate limit (429 with Retry-After) and body limit (413, also for chunked bodies)', () => {
  const cfg = haproxyConfig(parseRoutes(JSON.stringify(minimal)), { connect: { host: '127.0.0.1', port: 8083, health: '/' } }, { host: '127.0.0.1', port: 8080, metricsPort: 8405, operatorKeyHash: 'AB' })
  assert.match(cfg, /^backend rate-list\n {4}stick-table type ipv6 size 100k expire 10s store http_req_rate\(10s\)$/m)
  assert.match(cfg, /^ {4}http-request track-sc0 src table rate-list if \{ var\(txn\.route\) -m str list \}$/m)
  assert.match(cfg, /deny_status 429 content-type application\/json string '\{"error":"too_many_requests","message":"More than 5 requests in 10 s[^']*"\}' hdr Retry-After 10 if \{ var\(txn\.route\) -m str list \} \{ sc_http_req_rate\(0\) gt 5 \}$/m)
  assert.match(cfg, /deny_status 413 .* if \{ var\(txn\.route\) -m str list \} \{ req\.hdr_val\(content-length\) gt 0 \}$/m)
  assert.match(cfg, /wait-for-body time 10s at-least 1 if \{ var\(txn\.route\) -m str list \} !\{ req\.hdr\(content-length\) -m found \}$/m)
  assert.match(cfg, /deny_status 413 .* if \{ var\(txn\.route\) -m str list \} \{ req\.body_size gt 0 \}$/m)
  assert.ok(!cfg.includes('deny_status 403'), 'no operator key rule for an open route')
  // The buffer holds the largest allowed body, so a chunked body is measured whole.
  const big = { ...minimal, routes: [{ ...minimal.routes[0], methods: ['POST'], maxBodyBytes: 200_000 }] }
  const bufsize = Number(/tune\.bufsize (\d+)/.exec(haproxyConfig(parseRoutes(JSON.stringify(big)), {}, { host: '127.0.0.1', port: 1, metricsPort: 2, operatorKeyHash: 'AB' }))?.[1])
  assert.ok(bufsize > 200_000, String(bufsize))
})

test('request ids: a plain one passed in is kept, any other replaced by a UUID, sent on and returned; the access log is JSON with it', () => {
  const cfg = gatewayConfig(config)
  assert.match(cfg, /set-var\(txn\.request_id\) req\.hdr\(x-request-id\) if \{ req\.hdr\(x-request-id\) -m reg '\^\[A-Za-z0-9\._:-\]\{1,128\}\$' \}/)
  assert.match(cfg, /set-var\(txn\.request_id\) uuid unless \{ var\(txn\.request_id\) -m found \}/)
  assert.match(cfg, /^ {4}http-request set-header X-Request-Id %\[var\(txn\.request_id\)\]$/m)
  assert.match(cfg, /^ {4}http-after-response set-header X-Request-Id %\[var\(txn\.request_id\)\]$/m)
  const format = /^ {4}log-format '(.*)'$/m.exec(cfg)?.[1]
  assert.ok(format)
  for (const field of ['"request_id":"%[var(txn.request_id)]"', '"method":"%HM"', '"path":"%[var(txn.path),json(utf8s)]"', '"status":%ST', '"duration_ms":%Ta']) assert.ok(format.includes(field), field)
  assert.ok(!/hdr|capture/i.test(format), 'no header is logged, so never the operator key')
})

test('a bad routes file is refused with one sentence naming the place', () => {
  assert.match(refusal('{'), /^gateway\/routes\.json is not valid JSON \(.*\): fix it and run \.\/ripple up again\.$/)
  assert.match(refusal({ ...minimal, routes: [{ ...minimal.routes[0], backend: 'nowhere' }] }), /^gateway\/routes\.json is invalid at routes\.0\.backend: names backend "nowhere", which "backends" does not define; fix it/)
  assert.match(refusal({ ...minimal, routes: [{ ...minimal.routes[0], paths: ['/a b'] }] }), /invalid at routes\.0\.paths\.0: must be "\/" followed by segments/)
  assert.match(refusal({ ...minimal, routes: [minimal.routes[0], { ...minimal.routes[0], name: 'other', paths: ['/connectors'] }] }), /invalid at routes\.1\.paths: GET \/connectors is claimed by route "list" too/)
  assert.match(refusal({ ...minimal, routes: [{ ...minimal.routes[0], rateLimit: { requests: 0, perSeconds: 1 } }] }), /invalid at routes\.0\.rateLimit\.requests/)
  assert.match(refusal({ ...minimal, routes: [{ ...minimal.routes[0], maxBodyBytes: undefined }] }), /invalid at routes\.0\.maxBodyBytes/)
  assert.match(refusal({ ...minimal, extra: true }), /invalid at its top/)
  assert.doesNotThrow(() => parseRoutes(routesText))
})

test('the component: ports named by their variables, Debian\'s haproxy with its own service disabled, in the foreground on the 0600 config', () => {
  const c = gateway(config)
  assert.deepEqual(c.ports(), [
    { port: 18080, what: 'API gateway (RIPPLE_GATEWAY_PORT)' },
    { port: 18405, what: 'API gateway metrics (RIPPLE_GATEWAY_METRICS_PORT)' }
  ])
  assert.deepEqual(c.binaries(), [{ path: '/usr/sbin/haproxy', aptPackage: 'haproxy', systemService: 'haproxy' }])
  assert.deepEqual(c.process().args, ['-W', '-db', '-f', '/tmp/ripple-gateway-unit/conf/haproxy.cfg'])
  assert.deepEqual(c.process().env, { GATEWAY_CONNECT_AUTHORIZATION: `Basic ${Buffer.from(`gateway:${config.secrets.connect.gateway}`).toString('base64')}` })
  assert.equal(c.address(), 'http://127.0.0.1:18080')
  assert.ok(c.dependsOn.includes('connect'))
  if (config.services.some(s => s.name === 'carga-service')) assert.ok(c.dependsOn.includes('carga-service'))
  assert.deepEqual(gateway(withoutCarga(config)).dependsOn, ['connect'])
  const defaults = loadStackConfig({ RIPPLE_HOME: env.RIPPLE_HOME })
  assert.equal(defaults.ports.gateway, 8080)
  assert.equal(defaults.ports.gatewayMetrics, 8405)
})
