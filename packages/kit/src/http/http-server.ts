import Fastify, { LogController } from 'fastify'
import type { FastifyBaseLogger, FastifyError, FastifyInstance } from 'fastify'
import type { z } from 'zod'
import { InvalidInputError, RippleError } from '../errors/ripple.error.ts'
import type { Logger } from '../logging/logger.ts'
import type { Metrics } from '../metrics/metrics.ts'

export interface HttpServerOptions {
  logger: Logger
  metrics: Metrics
  /** Answers /health: 200 when healthy, 503 with the reasons when not (the supervisor and `./ripple status` read it). */
  health?: () => Promise<HealthReport>
}

export interface HealthReport {
  healthy: boolean
  /** One sentence per problem, e.g. "postgres does not answer: …". */
  reasons: string[]
  checks: Record<string, unknown>
}

/** Parses input with a zod schema; the first problem becomes a 400 naming its field. */
export function parseInput<S extends z.ZodType> (schema: S, input: unknown, fallbackField = 'body'): z.infer<S> {
  const parsed = schema.safeParse(input)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const path = issue?.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue?.path ?? []
  // An unknown key is named itself, so a typo like `fullname` is reported as that field.
  const field = path.length > 0 ? path.join('.') : fallbackField
  throw new InvalidInputError(field, issue?.message ?? 'invalid input')
}

/** Maps a domain error returned by an interactor to its HTTP status. */
export class HttpError extends RippleError {
  readonly statusCode: number
  /** Headers the answer carries with it: `Retry-After` on a 429, `WWW-Authenticate` on a 401. */
  readonly headers: Record<string, string>

  constructor (statusCode: number, code: string, message: string, field?: string, headers: Record<string, string> = {}) {
    super(code, message, field === undefined ? {} : { field })
    this.statusCode = statusCode
    this.headers = headers
  }
}

/**
 * Fastify with what every Ripple service needs: /health, /metrics, request metrics, and errors
 * as JSON `{error, message, field?}`: bad input is a 4xx naming the field, never a 5xx.
 */
export function createHttpServer (options: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Requests are counted in metrics; a log line per request would drown the logs.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024
  })
  const { metrics } = options

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown'
    metrics.httpRequests.inc({ method: req.method, route, status: reply.statusCode })
    metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000)
  })

  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (err instanceof InvalidInputError) {
      return reply.status(400).send({ error: err.code, message: err.message, field: err.field })
    }
    if (err instanceof HttpError) {
      return reply.status(err.statusCode).headers(err.headers).send({ error: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) })
    }
    const status = (err as FastifyError).statusCode
    if (status !== undefined && status >= 400 && status < 500) {
      // Fastify's own 4xx: malformed JSON, wrong content type, body too large.
      return reply.status(status).send({ error: (err as FastifyError).code ?? 'BAD_REQUEST', message: err.message, field: 'body' })
    }
    req.log.error({ err }, 'request failed')
    return reply.status(500).send({ error: 'INTERNAL', message: 'internal error' })
  })

  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` }))

  app.get('/health', async (_req, reply) => {
    const report = options.health ? await options.health() : { healthy: true, reasons: [], checks: {} }
    if (!report.healthy) reply.status(503)
    return { status: report.healthy ? 'ok' : 'unhealthy', reasons: report.reasons, ...report.checks }
  })
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType)
    return metrics.registry.metrics()
  })
  return app
}
