import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import Fastify, { LogController } from 'fastify'
import type { FastifyBaseLogger, FastifyError, FastifyInstance } from 'fastify'
import type { z } from 'zod'
import { InvalidInputError, RippleError } from '../errors/ripple.error.ts'
import type { Logger } from '../logging/logger.ts'
import type { Metrics } from '../metrics/metrics.ts'
import { RETRY_AFTER_SECONDS, unavailableDependency } from './unavailable.ts'
import type { Dependency } from './unavailable.ts'

export interface HttpServerOptions {
  logger: Logger
  metrics: Metrics
  /** Answers /health: 200 when healthy, 503 with the reasons when not (the supervisor and `./ripple status` read it). */
  health?: () => Promise<HealthReport>
  /**
   * What the service reaches over the network, read when a request fails: an error that says one
   * of them is out answers 503 naming it, with Retry-After, instead of 500. The service host adds
   * to it as the service opens its database or producer.
   */
  dependencies?: readonly Dependency[]
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
 * Where a parsed JSON body holds a string that is not well-formed Unicode (a lone surrogate,
 * `"\ud800"` in the JSON text): the field's path (`a.b.0`), `body` for the body itself, or
 * undefined when every key and string is well-formed. Iterative, so any nesting depth is fine.
 */
export function illFormedField (body: unknown): string | undefined {
  const stack: Array<{ value: unknown, path: string[] }> = [{ value: body, path: [] }]
  while (stack.length > 0) {
    const { value, path } = stack.pop()!
    if (typeof value === 'string') {
      if (!value.isWellFormed()) return path.length > 0 ? path.join('.') : 'body'
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value)
      for (const [key] of entries) if (!key.isWellFormed()) return [...path, key].join('.')
      // Pushed last to first, so the first field in the text is the one reported.
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], path: [...path, entries[i]![0]] })
    }
  }
  return undefined
}

/**
 * The answer to a request Node's HTTP parser refused before Fastify saw it (a malformed request
 * line, bytes a URL may not hold, an unknown method, headers over 16 KiB): the kit's JSON error, as
 * for every other 4xx. Unlike Fastify's default it writes no body when the request was a HEAD (as
 * far as the refused bytes show): a HEAD answer carries none, and a client reading one would take
 * the body for the start of the next answer.
 */
export function answerClientError (err: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [status, code, message] = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    ? [408, 'REQUEST_TIMEOUT', 'the request did not arrive in time']
    : err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HEADERS_TOO_LARGE', 'the request line and headers exceed the 16 KiB the server reads']
      : [400, 'BAD_REQUEST', `the request is not valid HTTP/1.1 (${err.code ?? 'parse error'})`]
  const body = JSON.stringify({ error: code, message })
  // Node hands the bytes it failed on (as a Buffer, whatever Fastify's types say).
  const packet: unknown = (err as { rawPacket?: unknown }).rawPacket
  const head = Buffer.isBuffer(packet) && packet.subarray(0, 5).toString('latin1') === 'HEAD '
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`)
  }
  socket.destroy()
}

/** A request id a caller may set (the gateway passes on the same set): short, letters, digits and . _ : - only, so it cannot forge or break a log line. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The request's X-Request-Id when it is a usable one, else a new UUID. */
export function requestIdOf (header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header
  return value !== undefined && REQUEST_ID.test(value) ? value : randomUUID()
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
    bodyLimit: 1024 * 1024,
    clientErrorHandler: answerClientError,
    // The gateway's X-Request-Id (or a caller's) names the request in every log line it causes.
    requestIdHeader: false,
    genReqId: req => requestIdOf(req.headers['x-request-id'])
  })
  const { metrics } = options

  // Echoed, so a caller that sent none learns the id to look for in the logs.
  app.addHook('onRequest', async (req, reply) => { reply.header('x-request-id', req.id) })

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown'
    metrics.httpRequests.inc({ method: req.method, route, status: reply.statusCode })
    metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000)
  })

  // JSON may escape half a surrogate pair (`"\ud800"`), which no UTF-8 column or jsonb value can
  // hold: a database would refuse it (a 500) or store U+FFFD instead. Refused here for every route,
  // as a 400 naming the field, before any service's code sees it.
  app.addHook('preValidation', async req => {
    const field = illFormedField(req.body)
    if (field !== undefined) throw new InvalidInputError(field, 'must be valid Unicode: a lone surrogate (\\ud800–\\udfff alone) is not text')
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
    const outage = unavailableDependency(err, options.dependencies ?? [])
    if (outage !== undefined) {
      // Logged at warn: an outage is the dependency's, /health already names it, and it is waited out.
      req.log.warn({ err, dependency: outage.name }, 'request failed: a dependency is unavailable')
      return reply.status(503).header('retry-after', String(RETRY_AFTER_SECONDS))
        .send({ error: 'UNAVAILABLE', message: `${outage.name} is unavailable; retry shortly`, dependency: outage.name })
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
