import { createHttpServer, createLogger, createMetrics, createProducer, HttpError } from '@ripple/kit'
import type { KafkaProducer } from '@ripple/kit'
import type { FastifyInstance } from 'fastify'
import type { PostServiceConfig } from './config.ts'
import { createKafkaEventPublisher } from './adapters/kafka-event-publisher.adapter.ts'
import { createMariaDbPool } from './adapters/mariadb.database.ts'
import type { MariaDbSettings } from './adapters/mariadb.database.ts'
import { createMariaDbOutboxStore } from './adapters/mariadb-outbox-repository.adapter.ts'
import { createMariaDbPostRepository } from './adapters/mariadb-post-repository.adapter.ts'
import { migrate } from './adapters/mariadb.migrations.ts'
import { makeCleanOutbox } from './interactors/clean-outbox.interactor.ts'
import { makeCreatePost } from './interactors/create-post.interactor.ts'
import type { CreatePost } from './interactors/create-post.interactor.ts'
import { makeGetPost } from './interactors/get-post.interactor.ts'
import { makeRelayOutbox } from './interactors/relay-outbox.interactor.ts'
import type { OutboxRelay } from './interactors/relay-outbox.interactor.ts'
import { registerPostRoutes } from './transport/post.routes.ts'

export interface PostService {
  /** Migrates the database, starts the relay or the clean-up, then listens; answers the base URL (PORT=0 picks a free port). */
  start (): Promise<string>
  stop (): Promise<void>
  app: FastifyInstance
}

/** The composition root: the only place that knows which adapter fills which port. */
export function createPostService (config: PostServiceConfig): PostService {
  const logger = createLogger('post-service', config.LOG_LEVEL)
  const metrics = createMetrics('post-service')
  const db: MariaDbSettings = {
    host: config.MARIADB_HOST,
    port: config.MARIADB_PORT,
    user: config.MARIADB_USER,
    password: config.MARIADB_PASSWORD,
    database: config.MARIADB_DATABASE,
    connectionLimit: config.MARIADB_POOL_SIZE
  }
  const pool = createMariaDbPool(db)
  const posts = createMariaDbPostRepository(pool)
  const outbox = createMariaDbOutboxStore(pool, db)

  let producer: KafkaProducer | undefined
  let relay: OutboxRelay | undefined
  if (config.OUTBOX_RELAY === 'polling') {
    producer = createProducer({ brokers: config.KAFKA_BROKERS, clientId: 'post-service-relay' })
    relay = makeRelayOutbox({
      outbox,
      publisher: createKafkaEventPublisher(producer, config.OUTBOX_TOPIC_PREFIX),
      batchSize: config.OUTBOX_BATCH_SIZE,
      intervalMs: config.OUTBOX_POLL_INTERVAL_MS,
      maxBackoffMs: config.OUTBOX_MAX_BACKOFF_MS,
      onError: (err, failures) => logger.warn({ err, failures }, 'outbox relay pass failed; the events stay in the outbox and are published on a later pass')
    })
  }

  // The CDC relay has the binlog's copy of every event, so published rows only wait out the retention.
  const cleanOutbox = makeCleanOutbox({ outbox, retentionMs: config.OUTBOX_RETENTION_MINUTES * 60_000, batchSize: 5000 })
  let cleanupTimer: ReturnType<typeof setInterval> | undefined
  let cleaning: Promise<void> | undefined
  const cleanOnce = () => {
    cleaning ??= cleanOutbox()
      .then(deleted => { if (deleted > 0) logger.info({ deleted }, 'outbox events past their retention deleted') })
      .catch((err: unknown) => logger.warn({ err }, 'outbox clean-up failed; trying again at the next interval'))
      .finally(() => { cleaning = undefined })
  }

  const createPost = makeCreatePost({ posts })
  const createAndWake: CreatePost = async input => {
    const result = await createPost(input)
    if (result.ok) relay?.wake()
    return result
  }

  const app = createHttpServer({
    logger,
    metrics,
    health: async () => {
      try {
        await pool.query('SELECT 1')
      } catch (e) {
        throw new HttpError(503, 'MARIADB_DOWN', `MariaDB does not answer: ${(e as Error).message}`)
      }
      return { mariadb: 'ok', outboxRelay: config.OUTBOX_RELAY }
    }
  })
  registerPostRoutes(app, { createPost: createAndWake, getPost: makeGetPost({ posts }) })

  return {
    app,
    async start () {
      await migrate(db)
      if (relay) relay.start()
      else {
        cleanupTimer = setInterval(cleanOnce, config.OUTBOX_CLEANUP_INTERVAL_MS)
        cleanupTimer.unref()
      }
      return app.listen({ host: config.HOST, port: config.PORT })
    },
    async stop () {
      // Requests in flight finish first; then the relay ends its pass, so nothing it published stays unmarked needlessly.
      await app.close()
      clearInterval(cleanupTimer)
      await relay?.stop()
      await cleaning
      await producer?.close()
      await outbox.close()
      await pool.end()
    }
  }
}
