import { join } from 'node:path'
import { loadStackConfig } from '../config.ts'
import { startMailCapture } from './mail-capture.server.ts'

// Entry point the supervisor runs as the `smtp` component.
const config = loadStackConfig()
const capture = await startMailCapture({
  host: config.host,
  smtpPort: config.ports.smtp,
  apiPort: config.ports.mailApi,
  storeFile: join(config.paths.data, 'mail', 'mails.jsonl')
})
console.log(`mail capture: SMTP on ${config.host}:${capture.smtpPort}, API on ${capture.apiUrl}/mails`)

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => { capture.stop().then(() => process.exit(0), () => process.exit(1)) })
}
