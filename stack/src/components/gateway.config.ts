import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import type { StackConfig } from '../config.ts'
import { StackError } from '../errors.ts'

/** The declarative routes file, relative to the repository: what `./ripple up` turns into haproxy.cfg. */
export const ROUTES_FILE = join('gateway', 'routes.json')

const NAME = /^[a-z][a-z0-9-]{0,40}$/
// Literal segments are plain words and parameters are `{name}`, so a path becomes an anchored
// regex with nothing to escape, inside single quotes where HAProxy's parser changes nothing.
const SEGMENT = /^([A-Za-z0-9_-]+|\{[a-z][A-Za-z0-9]*\})$/

const pathPattern = z.string().refine(p => p.startsWith('/') && p.slice(1).split('/').every(s => SEGMENT.test(s)), {
  message: 'must be "/" followed by segments that are letters, digits, "_" or "-", or a {parameter}'
})

// `health`: a GET the gateway checks every 2 s (2xx/3xx is up); without it, a TCP connect is the check.
const health = z.string().startsWith('/').optional()
const backendSchema = z.union([
  // A Ripple service: its port from the service registry, or RIPPLE_<NAME>_PORT / defaultPort while it is not registered yet.
  z.object({ $comment: z.string().optional(), service: z.string().regex(NAME), defaultPort: z.number().int().min(1).max(65535), health }).strict(),
  // A component of the stack, by its port in the stack's config.
  z.object({ $comment: z.string().optional(), component: z.enum(['connect']), health }).strict()
])

const routeSchema = z.object({
  $comment: z.string().optional(),
  name: z.string().regex(NAME, 'a lower-case name of letters, digits and "-"'),
  methods: z.array(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'])).min(1),
  paths: z.array(pathPattern).min(1),
  backend: z.string(),
  /** Only requests whose X-Operator-Key header holds the stack's OPERATOR_KEY pass. */
  operatorKey: z.boolean().default(false),
  rateLimit: z.object({ requests: z.number().int().min(1), perSeconds: z.number().int().min(1).max(3600) }).strict(),
  maxBodyBytes: z.number().int().min(0).max(1_048_576)
}).strict()

const routesSchema = z.object({
  $comment: z.string().optional(),
  backends: z.record(z.string().regex(NAME, 'a lower-case name of letters, digits and "-"'), backendSchema),
  routes: z.array(routeSchema).min(1)
}).strict().superRefine((file, ctx) => {
  const names = new Set<string>()
  const claimed = new Map<string, string>()
  file.routes.forEach((route, i) => {
    if (names.has(route.name)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'name'], message: `route name "${route.name}" is used twice` })
    names.add(route.name)
    if (!(route.backend in file.backends)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'backend'], message: `names backend "${route.backend}", which "backends" does not define` })
    for (const method of route.methods) {
      for (const path of route.paths) {
        // {id} and {name} match the same requests: compare the shapes, not the spellings.
        const key = `${method} ${path.replace(/\{[^}]+\}/g, '{}')}`
        const other = claimed.get(key)
        if (other) ctx.addIssue({ code: 'custom', path: ['routes', i, 'paths'], message: `${method} ${path} is claimed by route "${other}" too` })
        claimed.set(key, route.name)
      }
    }
  })
})

export type GatewayRoutes = z.infer<typeof routesSchema>
export type GatewayRoute = GatewayRoutes['routes'][number]

/** Validates the routes file's content; a mistake is one sentence naming the file, the place and the fix. */
export function parseRoutes (text: string, file = ROUTES_FILE): GatewayRoutes {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new StackError('INVALID_ROUTES', `${file} is not valid JSON (${(err as Error).message}): fix it and run ./ripple up again.`)
  }
  const parsed = routesSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new StackError('INVALID_ROUTES', `${file} is invalid at ${issue?.path.join('.') || 'its top'}: ${issue?.message}; fix it and run ./ripple up again.`)
  }
  return parsed.data
}

export function loadRoutes (config: StackConfig): GatewayRoutes {
  const file = join(config.repoRoot, ROUTES_FILE)
  if (!existsSync(file)) throw new StackError('INVALID_ROUTES', `The gateway's routes file ${file} is missing: restore it (git checkout ${ROUTES_FILE}) and run ./ripple up again.`)
  return parseRoutes(readFileSync(file, 'utf8'), ROUTES_FILE)
}

export interface ResolvedBackend {
  host: string
  port: number
  health?: string
  /** The registered service behind it, which must be healthy before the gateway starts. */
  service?: string
  /**
   * An environment variable of HAProxy's process holding the Authorization header the gateway
   * sends this backend (its own account), set on every request and health check; HAProxy
   * expands it when it reads the config, so the generated file holds only its name.
   */
  authorizationVariable?: string
}

/** The gateway's Kafka Connect credentials (HTTP Basic), in HAProxy's process environment only. */
export const CONNECT_AUTHORIZATION_VARIABLE = 'GATEWAY_CONNECT_AUTHORIZATION'

/**
 * Where each backend listens in this stack. A service that is not registered yet (its
 * package.json has no "ripple" field) is still routed, to RIPPLE_<NAME>_PORT or its default
 * port, so the gateway answers 503 for it instead of failing to start.
 */
export function resolveBackends (config: StackConfig, routes: GatewayRoutes): Record<string, ResolvedBackend> {
  const resolved: Record<string, ResolvedBackend> = {}
  for (const [name, backend] of Object.entries(routes.backends)) {
    if ('component' in backend) {
      resolved[name] = { host: config.host, port: config.ports[backend.component], ...(backend.health ? { health: backend.health } : {}), authorizationVariable: CONNECT_AUTHORIZATION_VARIABLE }
      continue
    }
    const registered = config.services.find(s => s.name === backend.service)
    if (registered) {
      resolved[name] = { host: config.host, port: registered.port, ...(backend.health ? { health: backend.health } : {}), service: registered.name }
      continue
    }
    const variable = `RIPPLE_${backend.service.toUpperCase().replace(/-/g, '_')}_PORT`
    const set = config.childEnv[variable]
    const port = set === undefined ? backend.defaultPort : Number(set)
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StackError('INVALID_ENV', `Invalid environment variable ${variable}: a port is a whole number from 1 to 65535. Fix or unset it and run again.`)
    resolved[name] = { host: config.host, port, ...(backend.health ? { health: backend.health } : {}) }
  }
  return resolved
}

/**
 * What HAProxy compares the X-Operator-Key header with: the key's SHA-256 (HAProxy's `hex`
 * converter writes upper case), so the config file never holds the key itself.
 */
export function operatorKeyHash (key: string): string {
  return createHash('sha256').update(key).digest('hex').toUpperCase()
}

export interface HaproxyOptions {
  host: string
  port: number
  metricsPort: number
  operatorKeyHash: string
  /** Run as this OS user after binding (when started as root). */
  user?: string
}

const json = (error: string, message: string): string => {
  const text = JSON.stringify({ error, message })
  // The text goes inside single quotes, which HAProxy's parser cannot escape.
  if (text.includes('\'')) throw new Error(`a gateway message may not contain a single quote: ${text}`)
  return `'${text}'`
}

/** The JSON answer HAProxy gives for a status it produces itself (no backend, timeouts, bad requests). */
const ERRORS: Record<number, [string, string]> = {
  400: ['bad_request', 'The request is not valid HTTP.'],
  403: ['forbidden', 'This request is not allowed.'],
  404: ['not_found', 'No route for this method and path (the gateway routes only what gateway/routes.json lists).'],
  405: ['method_not_allowed', 'This method is not allowed here.'],
  408: ['request_timeout', 'The request was not received in time.'],
  413: ['payload_too_large', 'The request body is larger than this route accepts.'],
  429: ['too_many_requests', 'Too many requests from this client: wait and try again.'],
  500: ['internal_error', 'The gateway failed to handle the request.'],
  502: ['bad_gateway', 'The service behind this route gave an invalid answer.'],
  503: ['service_unavailable', 'The service behind this route is not available: try again later.'],
  504: ['gateway_timeout', 'The service behind this route did not answer in time.']
}

// Request ids passed in are kept only when they are short and plain, so a log line can't be forged through one.
const REQUEST_ID = '^[A-Za-z0-9._:-]{1,128}$'

const pathRegex = (path: string): string => `^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`
const isRoute = (route: GatewayRoute): string => `{ var(txn.route) -m str ${route.name} }`

/**
 * haproxy.cfg for the routes: one frontend that names the route of each request, then applies
 * its rate limit, operator key and body limit in that order, and a backend per target. The
 * access log is one JSON line per request on stdout, with the request id and never a header
 * (so never the operator key) or a query string.
 */
export function haproxyConfig (routes: GatewayRoutes, backends: Record<string, ResolvedBackend>, options: HaproxyOptions): string {
  const largestBody = Math.max(0, ...routes.routes.map(r => r.maxBodyBytes))
  // A chunked body is measured from the buffer, so the buffer must hold the largest allowed body plus headers.
  const bufsize = Math.max(16_384, Math.ceil((largestBody + 16_384) / 4096) * 4096)
  const logFormat = JSON.stringify({
    time: '%[date,utime(%Y-%m-%dT%H:%M:%SZ)]',
    request_id: '%[var(txn.request_id)]',
    client: '%ci',
    method: '%HM',
    path: '%[var(txn.path),json(utf8s)]',
    route: '%[var(txn.route)]',
    status: '%ST',
    bytes: '%B',
    duration_ms: '%Ta',
    backend: '%b',
    termination: '%tsc'
  }).replace(/"(%ST|%B|%Ta)"/g, '$1')

  const lines: string[] = [
    '# Generated by ./ripple up from gateway/routes.json: edit that instead. Holds no secret (the operator key only as its SHA-256), kept 0600 all the same.',
    'global',
    '    log stdout format raw local0 info',
    // Each connection may hold two buffers of tune.bufsize: 1024 of them stay within ~160 MB.
    '    maxconn 1024',
    `    tune.bufsize ${bufsize}`,
    ...(options.user ? [`    user ${options.user}`, `    group ${options.user}`] : []),
    '',
    'defaults',
    '    mode http',
    '    option forwardfor',
    '    timeout connect 3s',
    '    timeout client 30s',
    '    timeout server 60s',
    '    timeout http-request 10s',
    '    timeout http-keep-alive 5s',
    '    timeout queue 5s',
    '    timeout check 2s',
    '    retries 2',
    ...Object.entries(ERRORS).map(([status, [error, message]]) => `    http-error status ${status} content-type application/json string ${json(error, message)}`),
    '',
    'frontend gateway',
    `    bind ${options.host}:${options.port}`,
    '    log global',
    `    log-format '${logFormat}'`,
    '    option dontlognull',
    `    http-request set-var(txn.request_id) req.hdr(x-request-id) if { req.hdr(x-request-id) -m reg '${REQUEST_ID}' }`,
    '    http-request set-var(txn.request_id) uuid unless { var(txn.request_id) -m found }',
    '    http-request set-header X-Request-Id %[var(txn.request_id)]',
    '    http-after-response set-header X-Request-Id %[var(txn.request_id)]',
    '    http-request set-var(txn.path) path',
    // "." and ".." segments (also percent-encoded) would let a routed prefix reach unrouted paths of a backend.
    `    http-request deny deny_status 400 content-type application/json string ${json('bad_request', 'Paths with "." or ".." segments are not routed.')} if { path -m reg '(^|/)(\\.|%2[eE]){1,2}(/|$)' }`,
    '',
    '    # Which route a request is: the first whose method and path match.'
  ]
  for (const route of routes.routes) {
    const methods = route.methods.map(m => m === 'GET' ? 'GET HEAD' : m).join(' ')
    const paths = route.paths.map(p => `'${pathRegex(p)}'`).join(' ')
    lines.push(`    http-request set-var(txn.route) str(${route.name}) if !{ var(txn.route) -m found } { method ${methods} } { path -m reg ${paths} }`)
  }
  lines.push(`    http-request deny deny_status 404 unless { var(txn.route) -m found }`)
  for (const route of routes.routes) {
    const { requests, perSeconds } = route.rateLimit
    lines.push('', `    # ${route.name}: ${route.methods.join(', ')} ${route.paths.join(', ')} -> ${route.backend}`)
    lines.push(`    http-request track-sc0 src table rate-${route.name} if ${isRoute(route)}`)
    lines.push(`    http-request deny deny_status 429 content-type application/json string ${json('too_many_requests', `More than ${requests} requests in ${perSeconds} s from this client on this route: retry after ${perSeconds} s.`)} hdr Retry-After ${perSeconds} if ${isRoute(route)} { sc_http_req_rate(0) gt ${requests} }`)
    if (route.operatorKey) {
      lines.push(`    http-request deny deny_status 403 content-type application/json string ${json('forbidden', 'This route needs the operator key in the X-Operator-Key header.')} if ${isRoute(route)} !{ req.hdr(x-operator-key),sha2(256),hex -m str ${options.operatorKeyHash} }`)
    }
    const tooLarge = json('payload_too_large', route.maxBodyBytes === 0 ? 'This route takes no request body.' : `The request body may have at most ${route.maxBodyBytes} bytes on this route.`)
    lines.push(`    http-request deny deny_status 413 content-type application/json string ${tooLarge} if ${isRoute(route)} { req.hdr_val(content-length) gt ${route.maxBodyBytes} }`)
    // A body without Content-Length (chunked) is read up to one byte past the limit, then measured.
    lines.push(`    http-request wait-for-body time 10s at-least ${route.maxBodyBytes + 1} if ${isRoute(route)} !{ req.hdr(content-length) -m found }`)
    lines.push(`    http-request deny deny_status 413 content-type application/json string ${tooLarge} if ${isRoute(route)} { req.body_size gt ${route.maxBodyBytes} }`)
  }
  lines.push('', '    # The key is checked; no backend needs to see it.', '    http-request del-header X-Operator-Key')
  for (const route of routes.routes) lines.push(`    use_backend backend-${route.backend} if ${isRoute(route)}`)

  for (const route of routes.routes) {
    const { perSeconds } = route.rateLimit
    lines.push('', `backend rate-${route.name}`, `    stick-table type ipv6 size 100k expire ${perSeconds}s store http_req_rate(${perSeconds}s)`)
  }
  for (const [name, backend] of Object.entries(backends)) {
    const authorization = backend.authorizationVariable ? `"\${${backend.authorizationVariable}}"` : undefined
    const check = backend.health && authorization
      ? ['    option httpchk', `    http-check send meth GET uri ${backend.health} hdr Authorization ${authorization}`]
      : backend.health ? [`    option httpchk GET ${backend.health}`] : []
    lines.push(
      '',
      `backend backend-${name}`,
      ...check,
      // Whatever Authorization a client sent is replaced by the gateway's own.
      ...(authorization ? [`    http-request set-header Authorization ${authorization}`] : []),
      // Checked every 2 s: a stopped service is answered with 503 at once instead of after connect retries.
      `    server ${name} ${backend.host}:${backend.port} check inter 2s fall 2 rise 1`
    )
  }
  lines.push(
    '',
    'frontend metrics',
    `    bind ${options.host}:${options.metricsPort}`,
    '    http-request use-service prometheus-exporter if { path /metrics }',
    '    http-request return status 200 content-type application/json string \'{"status":"ok"}\' if { path /health }',
    '    http-request deny deny_status 404',
    ''
  )
  return lines.join('\n')
}

/** haproxy.cfg for this stack: the routes file, its backends resolved, the operator key as a hash. */
export function gatewayConfig (config: StackConfig, user?: string): string {
  const routes = loadRoutes(config)
  return haproxyConfig(routes, resolveBackends(config, routes), {
    host: config.host,
    port: config.ports.gateway,
    metricsPort: config.ports.gatewayMetrics,
    operatorKeyHash: operatorKeyHash(config.secrets.generated.OPERATOR_KEY),
    ...(user ? { user } : {})
  })
}
