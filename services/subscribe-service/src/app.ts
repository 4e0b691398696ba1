import { consumerTuning, createAccessTokenVerifier, defineService } from '@ripple/kit'
import type { SubscribeServiceConfig } from './config.ts'
import { createHttpWebhookClient } from './adapters/http-webhook-sender.adapter.ts'
import { createPgDeliveryQueue } from './adapters/pg-delivery-repository.adapter.ts'
import { createPgNotificationRepository } from './adapters/pg-notification-repository.adapter.ts'
import { migrate } from './adapters/pg.schema.ts'
import { createPgSubscriptionRepository } from './adapters/pg-subscription-repository.adapter.ts'
import { createPgTokenRevocationStore } from './adapters/pg-token-revocation.adapter.ts'
import { createWebhookAddressGuard } from './adapters/webhook-address.adapter.ts'
import { newWebhookSecret } from './adapters/webhook-signature.adapter.ts'
import { makeDeliverWebhooks } from './interactors/deliver-webhooks.interactor.ts'
import { makeListNotifications, makeRecordPostNotifications } from './interactors/notifications.interactor.ts'
import { makeListSubscriptions, makeSubscribe, makeUnsubscribe } from './interactors/subscribe.interactor.ts'
import { makeIsTokenRevoked, makeRecordUserTokenState } from './interactors/token-revocation.interactor.ts'
import { createPostEventHandler } from './transport/post-event.handler.ts'
import { registerSubscriptionRoutes } from './transport/subscription.routes.ts'
import { createUserChangeHandler } from './transport/user-change.handler.ts'

/** Wires the service: PostgreSQL, the outbox topic's consumer, the user changes' consumer (token revocation), the webhook worker, HTTP. */
export const createSubscribeService = defineService<SubscribeServiceConfig>('subscribe-service', async ({ config, logger, http, consume, postgres, worker }) => {
  const pool = await postgres({ database: config.POSTGRES_DATABASE, max: config.POSTGRES_POOL_SIZE })
  await migrate(pool)
  const subscriptions = createPgSubscriptionRepository(pool)
  const notifications = createPgNotificationRepository(pool)
  // Webhooks reach public addresses only (and what WEBHOOK_ALLOWED_HOSTS names), at subscribe time and at each connection.
  const webhookAddresses = createWebhookAddressGuard({ allowedHosts: config.WEBHOOK_ALLOWED_HOSTS, resolveTimeoutMs: config.WEBHOOK_TIMEOUT_MS })

  const delivery = makeDeliverWebhooks({
    queue: createPgDeliveryQueue(pool),
    client: createHttpWebhookClient({ timeoutMs: config.WEBHOOK_TIMEOUT_MS, guard: webhookAddresses, maxResponseBytes: config.WEBHOOK_MAX_RESPONSE_BYTES }),
    retry: { minMs: config.WEBHOOK_RETRY_MIN_MS, maxMs: config.WEBHOOK_RETRY_MAX_MS, maxAttempts: config.WEBHOOK_MAX_ATTEMPTS },
    concurrency: config.WEBHOOK_CONCURRENCY,
    leaseMs: config.WEBHOOK_LEASE_MS,
    intervalMs: config.WEBHOOK_POLL_INTERVAL_MS,
    onError: err => logger.warn({ err }, 'webhook delivery bookkeeping failed; the lease makes it retried')
  })
  delivery.start()
  // Stopped after the consumer, so the deliveries its last events woke still go out.
  worker(delivery)

  await consume({
    groupId: config.GROUP_ID,
    topics: [config.TOPIC],
    handler: createPostEventHandler({ record: makeRecordPostNotifications({ notifications }), onWebhooksPending: delivery.wake, logger }),
    ...consumerTuning(config),
    concurrencyPerPartition: config.CONCURRENCY_PER_PARTITION,
    // Three partitions' worth, so fetching pauses only once every lane is full.
    maxBuffered: config.CONCURRENCY_PER_PARTITION * 3
  })

  // Its own group, so every password change and deletion reaches this service whatever other consumers of the topic do.
  const revocations = createPgTokenRevocationStore(pool)
  await consume({
    groupId: config.REVOCATION_GROUP_ID,
    topics: [config.REVOCATION_TOPIC],
    handler: createUserChangeHandler({ record: makeRecordUserTokenState({ revocations }), logger }),
    ...consumerTuning(config)
  })

  registerSubscriptionRoutes(http, {
    subscribe: makeSubscribe({ subscriptions, webhooks: webhookAddresses, newSecret: newWebhookSecret }),
    unsubscribe: makeUnsubscribe({ subscriptions }),
    listSubscriptions: makeListSubscriptions({ subscriptions }),
    listNotifications: makeListNotifications({ notifications })
  }, { tokens: createAccessTokenVerifier(config), isRevoked: makeIsTokenRevoked({ revocations }) })
})

export type SubscribeService = ReturnType<typeof createSubscribeService>
