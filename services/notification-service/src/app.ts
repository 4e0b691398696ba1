import { createDeadLetterPublisher, createHttpServer, createLogger, createMetrics, createProducer, openPostgresDatabase, runConsumer } from '@ripple/kit'
import type { ConsumerRunner, KafkaProducer } from '@ripple/kit'
import type { Pool } from 'pg'
import type { NotificationConfig } from './config.ts'
import { createPgSentMailLog } from './adapters/pg-sent-mail-log.adapter.ts'
import { createSmtpMailer } from './adapters/smtp-mailer.adapter.ts'
import { makeNotifyUserChange } from './interactors/notify-user-change.interactor.ts'
import type { Mailer } from './ports/mailer.port.ts'
import { createUserChangeHandler } from './transport/user-change.handler.ts'

export interface NotificationServiceOptions {
  /** The consumer stopped on a message it could neither process nor dead-letter; main exits so it is restarted. */
  onFatal?: (error: unknown) => void
}

/** Wires the service: PostgreSQL inbox and mail log, SMTP, the Kafka consumer, HTTP /health and /metrics. */
export function createNotificationService (config: NotificationConfig, options: NotificationServiceOptions = {}) {
  const logger = createLogger('notification-service', config.LOG_LEVEL)
  const metrics = createMetrics('notification-service')
  let parts: { pool: Pool, mailer: Mailer, producer: KafkaProducer, runner: ConsumerRunner, http: ReturnType<typeof createHttpServer> } | undefined

  return {
    logger,
    async start (): Promise<{ port: number }> {
      const pool = await openPostgresDatabase({ host: config.POSTGRES_HOST, port: config.POSTGRES_PORT, user: config.POSTGRES_USER, password: config.POSTGRES_PASSWORD, database: config.POSTGRES_DATABASE }, logger)
      const sentMails = await createPgSentMailLog(pool)
      const mailer = createSmtpMailer({ host: config.SMTP_HOST, port: config.SMTP_PORT, from: config.MAIL_FROM, maxConnections: config.SMTP_POOL_SIZE })
      const producer = createProducer({ brokers: config.KAFKA_BROKERS, clientId: 'notification-service' })
      const handler = createUserChangeHandler({ notify: makeNotifyUserChange({ mailer, sentMails }), logger })
      const runner = await runConsumer({
        brokers: config.KAFKA_BROKERS,
        groupId: config.GROUP_ID,
        topics: [config.TOPIC],
        clientId: 'notification-service',
        handler,
        logger,
        metrics,
        dlq: createDeadLetterPublisher(producer),
        retry: { retries: config.SMTP_RETRIES, minTimeout: config.SMTP_RETRY_MIN_MS, maxTimeout: config.SMTP_RETRY_MAX_MS },
        onFatal: options.onFatal
      })
      const http = createHttpServer({ logger, metrics, health: async () => ({ consumer: runner.isActive() ? 'up' : 'down', topic: config.TOPIC }) })
      await http.listen({ host: config.HOST, port: config.PORT })
      parts = { pool, mailer, producer, runner, http }
      const address = http.server.address()
      const port = typeof address === 'object' && address ? address.port : config.PORT
      logger.info({ port, topic: config.TOPIC, groupId: config.GROUP_ID }, 'notification-service started')
      return { port }
    },

    /** The consumer first (it finishes the message in flight, which needs everything else), then the rest. */
    async stop (): Promise<void> {
      if (!parts) return
      const { pool, mailer, producer, runner, http } = parts
      parts = undefined
      await runner.stop()
      await http.close()
      await Promise.all([producer.close(), mailer.close(), pool.end()])
      logger.info('notification-service stopped')
    }
  }
}
