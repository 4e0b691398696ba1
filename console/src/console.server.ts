import type { AddressInfo } from 'node:net'
import fastifyCookie from '@fastify/cookie'
import fastifyCsrfProtection from '@fastify/csrf-protection'
import fastifyFormbody from '@fastify/formbody'
import { Admin } from '@platformatic/kafka'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { html } from 'ghtml'
import { DomainError, createHttpServer, HttpError, InvalidInputError } from '@ripple/kit'
import type { Logger, Metrics } from '@ripple/kit'
import type { StackConfig } from '@ripple/stack'
import { endpoints } from '@ripple/stack'
import { LagSampler } from './kafka/lag.sampler.ts'
import { TopicRangeReader } from '@ripple/operations'
import { CSRF_FIELD, OperatorKeyCheck, SESSION_COOKIE, SessionStore } from './operator.auth.ts'
import type { ConsoleSession, SessionTimeouts } from './operator.auth.ts'
import { connectorsPages } from './pages/connectors.page.ts'
import { deadLettersPages } from './pages/dead-letters.page.ts'
import { groupsPages } from './pages/groups.page.ts'
import { csrfOf, page } from './pages/layout.ts'
import { loginPages } from './pages/login.page.ts'
import { mailboxPage } from './pages/mailbox.page.ts'
import { overviewPage } from './pages/overview.page.ts'
import { topicsPages } from './pages/topics.page.ts'
import { tracePage } from './pages/trace.page.ts'
import type { ConsoleDeps } from './console.deps.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in operator's session; null without one (only the public routes see that). */
    session: ConsoleSession | null
  }
}

export interface ConsoleOptions {
  config: StackConfig
  logger: Logger
  metrics: Metrics
  operatorKey: string
  lagIntervalMs?: number
  /** The config's (RIPPLE_CONSOLE_SESSION_IDLE_MS, _MAX_MS) unless given: a test shortens them. */
  sessions?: SessionTimeouts
}

/** A route of the console, as registered: what the sign-in test walks through. */
export interface ConsoleRoute { method: string, url: string }

/** Routes anyone may call: the sign-in itself and the stack's health probe (which answers only `ok`). */
const PUBLIC = new Set(['GET /login', 'HEAD /login', 'POST /login', 'GET /health', 'HEAD /health'])

/** The routes createHttpServer registers on every server of the kit. */
const KIT_ROUTES = (['/health', '/metrics'] as const).flatMap(url => (['GET', 'HEAD'] as const).map(method => ({ method, url })))

/** Methods that change nothing and so carry no CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])


const wantsHtml = (req: FastifyRequest): boolean => (req.headers.accept ?? '').includes('text/html')

/**
 * The Host names the console answers to: 127.0.0.1, localhost and the stack's host on its port,
 * and the configured ones (a name without a port gets the console's). Anything else is a name the
 * operator never gave it, e.g. an attacker's domain rebound to 127.0.0.1 (DNS rebinding).
 */
export function allowedHosts (config: StackConfig, port: number): Set<string> {
  const own = ['127.0.0.1', 'localhost', ...(['0.0.0.0', '::'].includes(config.host) ? [] : [config.host])]
  return new Set([...own.map(h => `${h}:${port}`), ...config.console.hosts.map(h => /:\d+$/.test(h) ? h : `${h}:${port}`)].map(h => h.toLowerCase()))
}

/** The console as a start/stop unit, so tests run it on port 0 beside the one `./ripple up` runs. */
export function createConsole (options: ConsoleOptions) {
  const { config } = options
  // Long-lived clients: a page reuses their connections instead of opening its own.
  const reader = new TopicRangeReader(endpoints(config).kafkaBrokers, endpoints(config).kafkaSasl)
  const admin = new Admin({ clientId: 'ripple-console', bootstrapBrokers: endpoints(config).kafkaBrokers, sasl: endpoints(config).kafkaSasl })
  const lag = new LagSampler(admin, reader)
  const sessions = new SessionStore(options.sessions ?? { idleMs: config.console.sessionIdleMs, maxMs: config.console.sessionMaxMs })
  const deps: ConsoleDeps = { config, reader, admin, lag, sessions, operatorKey: new OperatorKeyCheck(options.operatorKey) }
  const app: FastifyInstance = createHttpServer({ logger: options.logger, metrics: options.metrics })
  const routes: ConsoleRoute[] = []
  app.addHook('onRoute', r => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url })
  })
  void app.register(fastifyCookie)
  void app.register(fastifyFormbody)
  // The CSRF secret lives in the server-side session (the plugin reads `req.session._csrf`, as with
  // @fastify/session); a form's token is that secret's salted hash (@fastify/csrf).
  void app.register(fastifyCsrfProtection, { sessionPlugin: '@fastify/session', sessionKey: CSRF_FIELD, csrfOpts: { secretLength: 32 } })
  app.decorateRequest('session', null)

  let hosts = allowedHosts(config, config.ports.console)
  app.addHook('onRequest', async (req, reply) => {
    // Except the health probe, which says `ok` and nothing else: Kubernetes' httpGet probe sends
    // the pod's IP as its Host (deploy/k8s), and a rebound name learns nothing from it.
    if (!hosts.has((req.headers.host ?? '').toLowerCase()) && req.routeOptions.url !== '/health') {
      return reply.status(421).send({ error: 'MISDIRECTED_REQUEST', message: `This console answers only to ${[...hosts].join(', ')} (RIPPLE_CONSOLE_HOSTS adds more).`, field: 'host' })
    }
    req.session = sessions.find(req.cookies[SESSION_COOKIE]) ?? null
    if (req.session || PUBLIC.has(`${req.method} ${req.routeOptions.url ?? ''}`)) return
    // Every page and every read needs the sign-in: a person is sent to it and comes back, a script gets 401.
    if (wantsHtml(req)) return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303)
    return reply.status(401).send({ error: 'SIGN_IN_REQUIRED', message: 'Sign in first: POST /login with the operator key (RIPPLE_OPERATOR_KEY, or OPERATOR_KEY in .ripple/secrets.json), then send the session cookie.', field: 'session' })
  })

  // Every write but the sign-in carries the session's CSRF token (form field _csrf, or an
  // x-csrf-token header); the sign-in has no session yet and needs the key itself.
  app.addHook('preHandler', (req, reply, done) => {
    if (SAFE_METHODS.has(req.method) || PUBLIC.has(`${req.method} ${req.routeOptions.url ?? ''}`)) return done()
    app.csrfProtection(req, reply, () => {
      // Checked: the forms' own fields are validated strictly, without it.
      if (req.body !== null && typeof req.body === 'object') delete (req.body as Record<string, unknown>)[CSRF_FIELD]
      done()
    })
  })

  // The toolkit's errors are sentences for a person; here each also gets its HTTP status. A
  // person gets them as an HTML page, a script (Accept without text/html) as the kit's JSON.
  const jsonErrors = app.errorHandler
  app.setErrorHandler((error, req, reply) => {
    const err = asHttpError(error as Error)
    if (!wantsHtml(req)) return jsonErrors.call(app, err, req, reply)
    const status = err instanceof HttpError ? err.statusCode : err instanceof InvalidInputError ? 400 : 500
    if (status >= 500) req.log.error({ err }, 'console page failed')
    // Bad input names its field, as the JSON answer does.
    const message = status === 500 ? 'internal error (see ./ripple logs console)' : err instanceof InvalidInputError ? `${err.field} ${err.message}` : err.message
    if (err instanceof HttpError) void reply.headers(err.headers)
    return reply.status(status).type('text/html; charset=utf-8').send(page(`Error ${status}`, req.url, html`<div class="error">${message}</div>`, csrfOf(req, reply)))
  })

  for (const register of [overviewPage, topicsPages, groupsPages, connectorsPages, deadLettersPages, mailboxPage, tracePage, loginPages]) register(app, deps)

  return {
    app,
    /**
     * Every method and path the console serves (fastify's HEAD twins of GET routes included):
     * its own as they are registered, and the kit's /health and /metrics, which the kit's server
     * had before the console could watch.
     */
    routes: (): readonly ConsoleRoute[] => [
      ...KIT_ROUTES.filter(r => !routes.some(o => o.method === r.method && o.url === r.url) && app.hasRoute(r)),
      ...routes
    ],
    sessions,
    async start (port: number, host: string): Promise<string> {
      await app.listen({ port, host })
      const bound = (app.server.address() as AddressInfo).port
      hosts = allowedHosts(config, bound)
      lag.start(options.lagIntervalMs ?? 15_000)
      return `http://${host}:${bound}`
    },
    async stop (): Promise<void> {
      await app.close()
      lag.close()
      await admin.close()
      await reader.close()
    }
  }
}

/** A StackError from the toolkit as the status it means: unknown → 404, busy → 409, retryable → 503, else 400; a CSRF refusal as 403 naming its field. */
function asHttpError (err: Error): Error {
  const code = (err as { code?: unknown }).code
  if (code === 'FST_CSRF_MISSING_SECRET' || code === 'FST_CSRF_INVALID_TOKEN') {
    return new HttpError(403, 'CSRF_TOKEN_INVALID', 'This write carries no valid CSRF token of your session: reload the page and try again (a script sends the token GET /session gives as x-csrf-token).', CSRF_FIELD)
  }
  if (!(err instanceof DomainError) || err instanceof HttpError || err instanceof InvalidInputError) return err
  const status = /^(UNKNOWN_|NO_SUCH_)/.test(err.code) ? 404 : err.code === 'GROUP_ACTIVE' ? 409 : err.canRetry ? 503 : 400
  return new HttpError(status, err.code, err.message, err.field)
}
