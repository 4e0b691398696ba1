import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import pRetry from 'p-retry'
import { applyConnector, waitForConnector } from '../../stack/src/connectors.ts'
import type { ConnectorDefinition } from '../../stack/src/connectors.ts'

// A one-shot job for Compose (Kubernetes has Strimzi's KafkaConnector resources): PUTs each
// generated connector (connectors/*.json resolved for the deployment) to Kafka Connect, as
// `./ripple up` does, and waits until every task runs.
const connectUrl = process.env.CONNECT_URL ?? 'http://connect:8083'
const dir = process.env.CONNECTORS_DIR
if (!dir) throw new Error('CONNECTORS_DIR must name the generated connectors (deploy/compose/connectors)')
const definitions = readdirSync(dir).filter(f => f.endsWith('.json')).sort().map(f => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ConnectorDefinition)
for (const definition of definitions) {
  await pRetry(() => applyConnector(connectUrl, definition), { retries: 30, minTimeout: 1000, maxTimeout: 5000 })
}
for (const definition of definitions) {
  const state = await waitForConnector(connectUrl, definition.name, 180_000)
  console.log(`${definition.name}: ${state.state}, ${state.tasks.length} task(s) running`)
}
