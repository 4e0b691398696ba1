import type { AddressInfo } from 'node:net'
import fastifyCookie from '@fastify/cookie'
import fastifyFormbody from '@fastify/formbody'
import { Admin } from '@platformatic/kafka'
import type { FastifyInstance } from 'fastify'
import { html } from 'ghtml'
import { DomainError, createHttpServer, HttpError, InvalidInputError } from '@ripple/kit'
import type { Logger, Metrics } from '@ripple/kit'
import type { StackConfig } from '../config.ts'
import { endpoints } from '../config.ts'
import { LagSampler } from './kafka/lag.sampler.ts'
import { TopicRangeReader } from './kafka/topic-range.reader.ts'
import { operatorAuth } from './operator.auth.ts'
import type { OperatorAuth } from './operator.auth.ts'
import { connectorsPages } from './pages/connectors.page.ts'
import { deadLettersPages } from './pages/dead-letters.page.ts'
import { groupsPages } from './pages/groups.page.ts'
import { page } from './pages/layout.ts'
import { loginPages } from './pages/login.page.ts'
import { mailboxPage } from './pages/mailbox.page.ts'
import { overviewPage } from './pages/overview.page.ts'
import { topicsPages } from './pages/topics.page.ts'
import { tracePage } from './pages/trace.page.ts'

export interface ConsoleDeps {
  config: StackConfig
  reader: TopicRangeReader
  admin: Admin
  lag: LagSampler
  auth: OperatorAuth
}

export interface ConsoleOptions {
  config: StackConfig
  logger: Logger
  metrics: Metrics
  operatorKey: string
  lagIntervalMs?: number
}

/** The console as a start/stop unit, so tests run it on port 0 beside the one `./ripple up` runs. */
export function createConsole (options: ConsoleOptions) {
  const { config } = options
  // Long-lived clients: a page reuses their connections instead of opening its own.
  const reader = new TopicRangeReader(endpoints(config).kafkaBrokers, endpoints(config).kafkaSasl)
  const admin = new Admin({ clientId: 'ripple-console', bootstrapBrokers: endpoints(config).kafkaBrokers, sasl: endpoints(config).kafkaSasl })
  const lag = new LagSampler(admin, reader)
  const deps: ConsoleDeps = { config, reader, admin, lag, auth: operatorAuth(options.operatorKey) }
  const app: FastifyInstance = createHttpServer({ logger: options.logger, metrics: options.metrics })
  void app.register(fastifyCookie)
  void app.register(fastifyFormbody)

  // The toolkit's errors are sentences for a person; here each also gets its HTTP status. A
  // person gets them as an HTML page, a script (Accept without text/html) as the kit's JSON.
  const jsonErrors = app.errorHandler
  app.setErrorHandler((error, req, reply) => {
    const err = asHttpError(error as Error)
    if (!(req.headers.accept ?? '').includes('text/html')) return jsonErrors.call(app, err, req, reply)
    const status = err instanceof HttpError ? err.statusCode : err instanceof InvalidInputError ? 400 : 500
    if (status >= 500) req.log.error({ err }, 'console page failed')
    const message = status === 500 ? 'internal error (see ./ripple logs console)' : err.message
    return reply.status(status).type('text/html; charset=utf-8').send(page(`Error ${status}`, req.url, html`<div class="error">${message}</div>`))
  })

  for (const register of [overviewPage, topicsPages, groupsPages, connectorsPages, deadLettersPages, mailboxPage, tracePage, loginPages]) register(app, deps)

  return {
    app,
    async start (port: number, host: string): Promise<string> {
      await app.listen({ port, host })
      lag.start(options.lagIntervalMs ?? 15_000)
      return `http://${host}:${(app.server.address() as AddressInfo).port}`
    },
    async stop (): Promise<void> {
      await app.close()
      lag.close()
      await admin.close()
      await reader.close()
    }
  }
}

/** A StackError from the toolkit as the status it means: unknown → 404, busy → 409, retryable → 503, else 400. */
function asHttpError (err: Error): Error {
  if (!(err instanceof DomainError) || err instanceof HttpError || err instanceof InvalidInputError) return err
  const status = /^(UNKNOWN_|NO_SUCH_)/.test(err.code) ? 404 : err.code === 'GROUP_ACTIVE' ? 409 : err.canRetry ? 503 : 400
  return new HttpError(status, err.code, err.message, err.field)
}
