import { loadConfig } from '@ripple/kit'
import { createConverterService } from './app.ts'
import { converterConfigSchema } from './config.ts'

const service = createConverterService(loadConfig(converterConfigSchema), { onFatal: () => void shutdown('consumer failure', 1) })

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
  service.logger.fatal({ err }, 'converter failed to start')
  process.exit(1)
}
