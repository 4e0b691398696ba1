import { createDeadLetterPublisher, createHttpServer, createLogger, createMetrics, createProducer, HttpError, openPostgresDatabase, runConsumer } from '@ripple/kit'
import type { ConsumerRunner, KafkaProducer } from '@ripple/kit'
import type { Pool } from 'pg'
import type { SubscribeServiceConfig } from './config.ts'
import { createHttpWebhookClient } from './adapters/http-webhook-sender.adapter.ts'
import { createPgDeliveryQueue } from './adapters/pg-delivery-repository.adapter.ts'
import { createPgNotificationRepository } from './adapters/pg-notification-repository.adapter.ts'
import { migrate } from './adapters/pg.schema.ts'
import { createPgSubscriptionRepository } from './adapters/pg-subscription-repository.adapter.ts'
import { makeDeliverWebhooks } from './interactors/deliver-webhooks.interactor.ts'
import type { WebhookDelivery } from './interactors/deliver-webhooks.interactor.ts'
import { makeListNotifications, makeRecordPostNotifications } from './interactors/notifications.interactor.ts'
import { makeListSubscriptions, makeSubscribe, makeUnsubscribe } from './interactors/subscribe.interactor.ts'
import { createPostEventHandler } from './transport/post-event.handler.ts'
import { registerSubscriptionRoutes } from './transport/subscription.routes.ts'

export interface SubscribeServiceOptions {
  /** The consumer stopped on a message it could neither process nor dead-letter; main exits so it is restarted. */
  onFatal?: (error: unknown) => void
}

/** Wires the service: PostgreSQL, the outbox topic's consumer, the webhook worker, HTTP. */
export function createSubscribeService (config: SubscribeServiceConfig, options: SubscribeServiceOptions = {}) {
  const logger = createLogger('subscribe-service', config.LOG_LEVEL)
  const metrics = createMetrics('subscribe-service')
  let parts: { pool: Pool, producer: KafkaProducer, runner: ConsumerRunner, delivery: WebhookDelivery, http: ReturnType<typeof createHttpServer> } | undefined

  return {
    logger,
    async start (): Promise<{ port: number, url: string }> {
      const pool = await openPostgresDatabase({
        host: config.POSTGRES_HOST, port: config.POSTGRES_PORT, user: config.POSTGRES_USER, password: config.POSTGRES_PASSWORD,
        database: config.POSTGRES_DATABASE, max: config.POSTGRES_POOL_SIZE
      }, logger)
      await migrate(pool)
      const subscriptions = createPgSubscriptionRepository(pool)
      const notifications = createPgNotificationRepository(pool)
      const delivery = makeDeliverWebhooks({
        queue: createPgDeliveryQueue(pool),
        client: createHttpWebhookClient({ timeoutMs: config.WEBHOOK_TIMEOUT_MS }),
        retry: { minMs: config.WEBHOOK_RETRY_MIN_MS, maxMs: config.WEBHOOK_RETRY_MAX_MS, maxAttempts: config.WEBHOOK_MAX_ATTEMPTS },
        concurrency: config.WEBHOOK_CONCURRENCY,
        leaseMs: config.WEBHOOK_LEASE_MS,
        intervalMs: config.WEBHOOK_POLL_INTERVAL_MS,
        onError: err => logger.warn({ err }, 'webhook delivery bookkeeping failed; the lease makes it retried')
      })
      delivery.start()

      const producer = createProducer({ brokers: config.KAFKA_BROKERS, clientId: 'subscribe-service' })
      const runner = await runConsumer({
        brokers: config.KAFKA_BROKERS,
        groupId: config.GROUP_ID,
        topics: [config.TOPIC],
        clientId: 'subscribe-service',
        handler: createPostEventHandler({ record: makeRecordPostNotifications({ notifications }), onWebhooksPending: delivery.wake, logger }),
        logger,
        metrics,
        dlq: createDeadLetterPublisher(producer),
        retry: { retries: config.CONSUMER_RETRIES, minTimeout: config.CONSUMER_RETRY_MIN_MS, maxTimeout: config.CONSUMER_RETRY_MAX_MS },
        onFatal: options.onFatal
      })

      const http = createHttpServer({
        logger,
        metrics,
        health: async () => {
          try {
            await pool.query('SELECT 1')
          } catch (e) {
            throw new HttpError(503, 'POSTGRES_DOWN', `PostgreSQL does not answer: ${(e as Error).message}`)
          }
          return { postgres: 'ok', consumer: runner.isActive() ? 'up' : 'down', topic: config.TOPIC }
        }
      })
      registerSubscriptionRoutes(http, {
        subscribe: makeSubscribe({ subscriptions }),
        unsubscribe: makeUnsubscribe({ subscriptions }),
        listSubscriptions: makeListSubscriptions({ subscriptions }),
        listNotifications: makeListNotifications({ notifications })
      })
      await http.listen({ host: config.HOST, port: config.PORT })
      parts = { pool, producer, runner, delivery, http }
      const address = http.server.address()
      const port = typeof address === 'object' && address ? address.port : config.PORT
      logger.info({ port, topic: config.TOPIC, groupId: config.GROUP_ID }, 'subscribe-service started')
      return { port, url: `http://${config.HOST}:${port}` }
    },

    /** The consumer first (it finishes the event in flight), then the worker's deliveries in flight, then the rest. */
    async stop (): Promise<void> {
      if (!parts) return
      const { pool, producer, runner, delivery, http } = parts
      parts = undefined
      await runner.stop()
      await delivery.stop()
      await http.close()
      await Promise.all([producer.close(), pool.end()])
      logger.info('subscribe-service stopped')
    }
  }
}

export type SubscribeService = ReturnType<typeof createSubscribeService>
