import { join } from 'node:path'
import type { StackConfig } from '../config.ts'
import type { Component } from './component.ts'
import { httpProbe } from './probes.ts'

/**
 * The local webhook receiver (packages/webhook-receiver): subscribe-service may deliver to it
 * (WEBHOOK_ALLOWED_HOSTS), and GET /received lists what it got, so webhooks can be tried with no DNS.
 */
export function webhookReceiver (config: StackConfig): Component {
  const url = `http://${config.host}:${config.ports.webhookReceiver}`
  return {
    name: 'webhook-receiver',
    dependsOn: [],
    address: () => `${url} (received: ${url}/received)`,
    ports: () => [{ port: config.ports.webhookReceiver, what: 'webhook receiver (RIPPLE_WEBHOOK_RECEIVER_PORT)' }],
    binaries: () => [],
    async prepare () {},
    process: () => ({
      command: process.execPath,
      args: ['--disable-warning=ExperimentalWarning', join(config.repoRoot, 'packages', 'webhook-receiver', 'src', 'main.ts')],
      cwd: join(config.repoRoot, 'packages', 'webhook-receiver'),
      env: { WEBHOOK_RECEIVER_HOST: config.host, WEBHOOK_RECEIVER_PORT: String(config.ports.webhookReceiver) },
      // What it recorded is for looking at, not keeping: a restart may forget it.
      stopTimeoutMs: 5_000
    }),
    health: () => httpProbe(`${url}/health`)
  }
}
