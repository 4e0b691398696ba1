import { loadConfig } from '@ripple/kit'
import { createUserService } from './app.ts'
import { userServiceConfigSchema } from './config.ts'

const config = loadConfig(userServiceConfigSchema)
const service = createUserService(config)
const log = service.app.log

try {
  log.info({ url: await service.start() }, 'user-service listening')
} catch (err) {
  log.fatal({ err }, 'user-service could not start')
  await service.stop().catch(() => undefined)
  process.exit(1)
}

async function shutdown (signal: string): Promise<void> {
  log.info({ signal }, 'user-service stopping')
  try {
    await service.stop()
    log.info('user-service stopped')
    process.exit(0)
  } catch (err) {
    log.error({ err }, 'user-service did not stop cleanly')
    process.exit(1)
  }
}
// once: a second Ctrl-C during shutdown falls back to Node's default and kills at once.
process.once('SIGTERM', signal => void shutdown(signal))
process.once('SIGINT', signal => void shutdown(signal))
