// The stack's front door for deploy/, bench/ and the tests. Component recipes have their own
// door (@ripple/stack/components).

// Settings: ports, hosts, accounts, Kafka principals.
export { loadStackConfig, endpoints, servicePort, kafkaSasl, connectTarget, clickhouseTarget, basicAuthorization, KAFKA_PRINCIPALS, ACCOUNTS, CASSANDRA_ADMIN, CLICKHOUSE_USERS, CONNECT_ACCOUNTS } from './config.ts'
export type { StackConfig, Endpoints, KnownServicePorts, ServiceDefinition, ConnectAccount } from './config.ts'

// Secrets and Kafka logins.
export { newSigningKey, signingPublicKey, passwordVariable, PUBLIC_KEY_NAMES, SECRET_NAMES } from './secrets.ts'
export { deriveAcls, javaClientSecurity, scramJaas, withConnectorKafkaLogin, writeJavaClientProperties } from './kafka-auth.ts'
export type { AclEntry } from './kafka-auth.ts'

// Kafka Connect's connector files (its REST client is in @ripple/operations).
export { cargaConnectorAccounts, connectSecrets, loadConnectorFiles, placeholders, resolvePlaceholders } from './connectors.ts'

// The running stack.
export { status } from './stack.ts'
export type { ComponentStatus, HealthProbes } from './stack.ts'
export { ensurePortsFree } from './prerequisites.ts'
export { StackError } from './errors.ts'
export { clickhouseRows } from './components/clickhouse.ts'
export { serviceDefinitions } from './components/service.ts'

// What the console reads of the services' stores, which its read-only accounts are granted.
export { consoleReads, serviceDatabase } from './components/console.reads.ts'
