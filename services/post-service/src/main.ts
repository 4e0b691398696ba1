import { loadConfig } from '@ripple/kit'
import { createPostService } from './app.ts'
import { postServiceConfigSchema } from './config.ts'

const config = loadConfig(postServiceConfigSchema)
const service = createPostService(config)
const log = service.app.log

try {
  log.info({ url: await service.start(), outboxRelay: config.OUTBOX_RELAY }, 'post-service listening')
} catch (err) {
  log.fatal({ err }, 'post-service could not start')
  await service.stop().catch(() => undefined)
  process.exit(1)
}

async function shutdown (signal: string): Promise<void> {
  log.info({ signal }, 'post-service stopping')
  try {
    await service.stop()
    log.info('post-service stopped')
    process.exit(0)
  } catch (err) {
    log.error({ err }, 'post-service did not stop cleanly')
    process.exit(1)
  }
}
// once: a second Ctrl-C during shutdown falls back to Node's default and kills at once.
process.once('SIGTERM', signal => void shutdown(signal))
process.once('SIGINT', signal => void shutdown(signal))
