// What tests and benchmarks may use of the stack: its settings and the Kafka Connect helpers.
export { loadStackConfig, endpoints, servicePort } from './config.ts'
export type { StackConfig, Endpoints, KnownServicePorts } from './config.ts'
export { applyConnector, connectorState, deleteConnector, listConnectorStates, waitForConnector } from './connectors.ts'
export type { ConnectorDefinition, ConnectorState } from './connectors.ts'
export { StackError } from './errors.ts'
export { serviceDefinitions } from './components/service.ts'
export type { ServiceDefinition } from './components/service.ts'
