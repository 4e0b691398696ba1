import { loadConfig } from '@ripple/kit'
import { createProcessorService } from './app.ts'
import { processorConfigSchema } from './config.ts'

const service = createProcessorService(loadConfig(processorConfigSchema), { onFatal: () => void shutdown('consumer failure', 1) })

let stopping = false
async function shutdown (reason: string, code: number): Promise<void> {
  if (stopping) return
  stopping = true
  service.logger.info({ reason }, 'shutting down')
  try {
    await service.stop()
  } finally {
    process.exit(code)
  }
}

process.once('SIGTERM', () => void shutdown('SIGTERM', 0))
process.once('SIGINT', () => void shutdown('SIGINT', 0))

try {
  await service.start()
} catch (err) {
  service.logger.fatal({ err }, 'processor failed to start')
  process.exit(1)
}
