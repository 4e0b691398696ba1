import { loadConfig } from '@ripple/kit'
import { createReceiverService } from './app.ts'
import { receiverConfigSchema } from './config.ts'

const service = createReceiverService(loadConfig(receiverConfigSchema))
const log = service.app.log

try {
  log.info({ url: await service.start() }, 'receiver listening')
} catch (err) {
  log.fatal({ err }, 'receiver could not start')
  await service.stop().catch(() => undefined)
  process.exit(1)
}

async function shutdown (signal: string): Promise<void> {
  log.info({ signal }, 'receiver stopping')
  try {
    await service.stop()
    log.info('receiver stopped')
    process.exit(0)
  } catch (err) {
    log.error({ err }, 'receiver did not stop cleanly')
    process.exit(1)
  }
}
// once: a second Ctrl-C during shutdown falls back to Node's default and kills at once.
process.once('SIGTERM', signal => void shutdown(signal))
process.once('SIGINT', signal => void shutdown(signal))
