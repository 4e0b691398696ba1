import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import pRetry from 'p-retry'
import { basicAuthorization } from '@ripple/stack'
import { applyConnector, waitForConnector } from '@ripple/operations'
import type { ConnectorDefinition } from '@ripple/operations'

// A one-shot job for Compose (Kubernetes has Strimzi's KafkaConnector resources): PUTs each
// generated connector (connectors/*.json resolved for the deployment) to Kafka Connect, as
// `./ripple up` does, and waits until every task runs.
// CONNECT_USER and CONNECT_PASSWORD: its account, where the deployment's Connect asks for one.
const user = process.env.CONNECT_USER
const password = process.env.CONNECT_PASSWORD
const connect = { url: process.env.CONNECT_URL ?? 'http://connect:8083', authorization: user && password ? basicAuthorization(user, password) : undefined }
const dir = process.env.CONNECTORS_DIR
if (!dir) throw new Error('CONNECTORS_DIR must name the generated connectors (deploy/compose/connectors)')
const definitions = readdirSync(dir).filter(f => f.endsWith('.json')).sort().map(f => JSON.parse(readFileSync(join(dir, f), 'utf8')) as ConnectorDefinition)
for (const definition of definitions) {
  await pRetry(() => applyConnector(connect, definition), { retries: 30, minTimeout: 1000, maxTimeout: 5000 })
}
for (const definition of definitions) {
  const state = await waitForConnector(connect, definition.name, 180_000)
  console.log(`${definition.name}: ${state.state}, ${state.tasks.length} task(s) running`)
}
