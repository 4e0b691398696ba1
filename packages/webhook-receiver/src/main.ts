import { z } from 'zod'
import { startWebhookReceiver } from './webhook-receiver.server.ts'

// Entry point the stack's supervisor runs as the `webhook-receiver` component; the stack hands
// over its address, so this package does not depend on the stack.
const env = z.object({
  WEBHOOK_RECEIVER_HOST: z.string().default('127.0.0.1'),
  WEBHOOK_RECEIVER_PORT: z.coerce.number().int().min(0).max(65535).default(8098)
}).parse(process.env)

const receiver = await startWebhookReceiver({ host: env.WEBHOOK_RECEIVER_HOST, port: env.WEBHOOK_RECEIVER_PORT })
console.log(`webhook receiver: ${receiver.url} (what it got: ${receiver.url}/received)`)

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => { receiver.stop().then(() => process.exit(0), () => process.exit(1)) })
}
