import { z } from 'zod'
import { startMailCapture } from './mail-capture.server.ts'

// Entry point the stack's supervisor runs as the `smtp` component; the stack hands over its
// addresses, so this package does not depend on the stack.
const env = z.object({
  MAIL_CAPTURE_HOST: z.string().default('127.0.0.1'),
  MAIL_CAPTURE_SMTP_PORT: z.coerce.number().int().min(0).max(65535).default(1025),
  MAIL_CAPTURE_API_PORT: z.coerce.number().int().min(0).max(65535).default(8025),
  MAIL_CAPTURE_STORE: z.string().min(1),
  MAIL_CAPTURE_MAX_MESSAGE_BYTES: z.coerce.number().int().positive().optional(),
  MAIL_CAPTURE_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().optional()
}).parse(process.env)

const capture = await startMailCapture({
  host: env.MAIL_CAPTURE_HOST,
  smtpPort: env.MAIL_CAPTURE_SMTP_PORT,
  apiPort: env.MAIL_CAPTURE_API_PORT,
  storeFile: env.MAIL_CAPTURE_STORE,
  maxMessageBytes: env.MAIL_CAPTURE_MAX_MESSAGE_BYTES,
  idleTimeoutMs: env.MAIL_CAPTURE_IDLE_TIMEOUT_MS
})
console.log(`mail capture: SMTP on ${env.MAIL_CAPTURE_HOST}:${capture.smtpPort}, API on ${capture.apiUrl}/mails`)

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => { capture.stop().then(() => process.exit(0), () => process.exit(1)) })
}
