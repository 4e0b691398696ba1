import { consumerTuning, createAccessTokenVerifier, defineService } from '@ripple/kit'
import type { PostServiceConfig } from './config.ts'
import { createKafkaEventPublisher } from './adapters/kafka-event-publisher.adapter.ts'
import { createMariaDbOutboxStore } from './adapters/mariadb-outbox-repository.adapter.ts'
import { createMariaDbPostRepository } from './adapters/mariadb-post-repository.adapter.ts'
import { createMariaDbTokenRevocationStore } from './adapters/mariadb-token-revocation.adapter.ts'
import { migrate, POST_DB_OPTIONS } from './adapters/mariadb.migrations.ts'
import { makeCleanOutbox } from './interactors/clean-outbox.interactor.ts'
import { makeCreatePost } from './interactors/create-post.interactor.ts'
import type { CreatePost } from './interactors/create-post.interactor.ts'
import { makeGetPost } from './interactors/get-post.interactor.ts'
import { makeRelayOutbox } from './interactors/relay-outbox.interactor.ts'
import type { OutboxRelay } from './interactors/relay-outbox.interactor.ts'
import { makeIsTokenRevoked, makeRecordUserTokenState } from './interactors/token-revocation.interactor.ts'
import { registerPostRoutes } from './transport/post.routes.ts'
import { createUserChangeHandler } from './transport/user-change.handler.ts'

/** The composition root: the only place that knows which adapter fills which port. */
export const createPostService = defineService<PostServiceConfig>('post-service', async ({ config, logger, http, producer, consume, mariadb, worker, onClose }) => {
  const { pool, settings } = await mariadb({ database: config.MARIADB_DATABASE, connectionLimit: config.MARIADB_POOL_SIZE, options: POST_DB_OPTIONS, migrate })
  const posts = createMariaDbPostRepository(pool)
  const outbox = createMariaDbOutboxStore(pool, settings)
  // Closed before the pool: ending the relay's connection frees its lock for another instance.
  onClose(() => outbox.close())

  let relay: OutboxRelay | undefined
  if (config.OUTBOX_RELAY === 'polling') {
    relay = makeRelayOutbox({
      outbox,
      publisher: createKafkaEventPublisher(producer(), config.OUTBOX_TOPIC_PREFIX),
      batchSize: config.OUTBOX_BATCH_SIZE,
      intervalMs: config.OUTBOX_POLL_INTERVAL_MS,
      maxBackoffMs: config.OUTBOX_MAX_BACKOFF_MS,
      onError: (err, failures) => logger.warn({ err, failures }, 'outbox relay pass failed; the events stay in the outbox and are published on a later pass')
    })
    relay.start()
    worker(relay)
  } else {
    // The CDC relay has the binlog's copy of every event, so published rows only wait out the retention.
    const cleanOutbox = makeCleanOutbox({ outbox, retentionMs: config.OUTBOX_RETENTION_MINUTES * 60_000, batchSize: 5000 })
    let cleaning: Promise<void> | undefined
    const cleanOnce = () => {
      cleaning ??= cleanOutbox()
        .then(deleted => { if (deleted > 0) logger.info({ deleted }, 'outbox events past their retention deleted') })
        .catch((err: unknown) => logger.warn({ err }, 'outbox clean-up failed; trying again at the next interval'))
        .finally(() => { cleaning = undefined })
    }
    const timer = setInterval(cleanOnce, config.OUTBOX_CLEANUP_INTERVAL_MS)
    timer.unref()
    worker({
      async stop () {
        clearInterval(timer)
        await cleaning
      }
    })
  }

  const createPost = makeCreatePost({ posts })
  const createAndWake: CreatePost = async input => {
    const result = await createPost(input)
    if (result.ok) relay?.wake()
    return result
  }
  // Its own group, so every password change and deletion reaches this service whatever other consumers of the topic do.
  const revocations = createMariaDbTokenRevocationStore(pool)
  await consume({
    groupId: config.REVOCATION_GROUP_ID,
    topics: [config.REVOCATION_TOPIC],
    handler: createUserChangeHandler({ record: makeRecordUserTokenState({ revocations }), logger }),
    ...consumerTuning(config)
  })
  registerPostRoutes(http, { createPost: createAndWake, getPost: makeGetPost({ posts }) }, { tokens: createAccessTokenVerifier(config), isRevoked: makeIsTokenRevoked({ revocations }) })
})

export type PostService = ReturnType<typeof createPostService>
