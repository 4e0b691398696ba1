import { join } from 'node:path'
import type { StackConfig } from '../config.ts'
import { endpoints } from '../config.ts'
import type { Component } from './component.ts'
import { httpProbe } from './probes.ts'

export interface ServiceDefinition {
  /** Folder under services/, also the process name. */
  name: string
  port: number
  portVariable: string
  /**
   * A service that reads a connector's topic starts after `./ripple up` applied the
   * connectors; one that owns a captured table starts before, so its migration made the table.
   */
  afterConnectors: boolean
}

/** Every Ripple service run by `./ripple up`, in start order. */
export function serviceDefinitions (config: StackConfig): ServiceDefinition[] {
  return [
    { name: 'user-service', port: config.ports.userService, portVariable: 'RIPPLE_USER_SERVICE_PORT', afterConnectors: false },
    { name: 'notification-service', port: config.ports.notificationService, portVariable: 'RIPPLE_NOTIFICATION_SERVICE_PORT', afterConnectors: true },
    // The transactional outbox (seed 004): post-service owns the captured outbox table.
    { name: 'post-service', port: config.ports.postService, portVariable: 'RIPPLE_POST_SERVICE_PORT', afterConnectors: false },
    { name: 'subscribe-service', port: config.ports.subscribeService, portVariable: 'RIPPLE_SUBSCRIBE_SERVICE_PORT', afterConnectors: true },
    // The job pipeline (seed 003): receiver only produces, so it may take requests before the
    // connectors run; the others read topics the JDBC sink's pipeline depends on.
    { name: 'receiver', port: config.ports.receiver, portVariable: 'RIPPLE_RECEIVER_PORT', afterConnectors: false },
    { name: 'processor', port: config.ports.processor, portVariable: 'RIPPLE_PROCESSOR_PORT', afterConnectors: true },
    { name: 'converter', port: config.ports.converter, portVariable: 'RIPPLE_CONVERTER_PORT', afterConnectors: true },
    { name: 'informer', port: config.ports.informer, portVariable: 'RIPPLE_INFORMER_PORT', afterConnectors: true }
  ]
}

/** The settings every service reads (kit's baseConfigSchema), pointing at this stack. */
export function serviceEnv (config: StackConfig): Record<string, string> {
  const ep = endpoints(config)
  return {
    HOST: config.host,
    KAFKA_BROKERS: ep.kafkaBrokers.join(','),
    MARIADB_HOST: ep.mariadb.host,
    MARIADB_PORT: String(ep.mariadb.port),
    MARIADB_USER: ep.mariadb.user,
    MARIADB_PASSWORD: ep.mariadb.password,
    POSTGRES_HOST: ep.postgres.host,
    POSTGRES_PORT: String(ep.postgres.port),
    POSTGRES_USER: ep.postgres.user,
    POSTGRES_PASSWORD: ep.postgres.password,
    SMTP_HOST: ep.smtp.host,
    SMTP_PORT: String(ep.smtp.port)
  }
}

/** A TypeScript service as a supervised process, wired to the stack's ports and secrets. */
export function service (config: StackConfig, definition: ServiceDefinition): Component {
  const url = `http://${config.host}:${definition.port}`
  return {
    name: definition.name,
    dependsOn: ['mariadb', 'postgres', 'smtp', 'kafka', 'connect'],
    address: () => url,
    ports: () => [{ port: definition.port, what: `${definition.name} HTTP (${definition.portVariable})` }],
    binaries: () => [],
    async prepare () {},
    process: () => ({
      command: process.execPath,
      args: ['--disable-warning=ExperimentalWarning', join(config.repoRoot, 'services', definition.name, 'src', 'main.ts')],
      cwd: join(config.repoRoot, 'services', definition.name),
      env: { ...serviceEnv(config), PORT: String(definition.port) },
      // Services finish in-flight messages and commit on SIGTERM.
      stopTimeoutMs: 30_000
    }),
    health: () => httpProbe(`${url}/health`)
  }
}
