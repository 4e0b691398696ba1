import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { StackConfig } from '@ripple/stack'
import { mavenArtifacts } from './sources.ts'

// The images of the components `./ripple up` runs from Debian packages or Maven, at the same
// versions where an official image has them: MariaDB 10.11, PostgreSQL 15, HAProxy 2.6,
// Prometheus 2.42, Cassandra 5.0.6, Kafka as the pom names it. ClickHouse is the one exception:
// Debian's 18.16 has no maintained image, so it is the 24.8 LTS, whose Kafka engine still takes
// the stack's schema (kafka_row_delimiter is accepted there as an obsolete setting).
export const MARIADB_IMAGE = 'mariadb:10.11'
export const POSTGRES_IMAGE = 'postgres:15'
export const HAPROXY_IMAGE = 'haproxy:2.6'
export const PROMETHEUS_IMAGE = 'prom/prometheus:v2.42.0'
export const CASSANDRA_IMAGE = 'cassandra:5.0.6'
export const CLICKHOUSE_IMAGE = 'clickhouse/clickhouse-server:24.8'
export const NODE_IMAGE = 'node:24-bookworm-slim'

export const kafkaImage = (config: StackConfig): string => `apache/kafka:${mavenArtifacts(config).kafkaVersion}`

/** The one image of every Ripple TypeScript process (deploy/Dockerfile), tagged with the repository's version. */
export function rippleImage (config: StackConfig): string {
  const { version } = JSON.parse(readFileSync(join(config.repoRoot, 'package.json'), 'utf8')) as { version: string }
  return `ripple:${version}`
}

/** Kafka Connect with the Debezium plugins (deploy/connect/Dockerfile), tagged with Debezium's version. */
export const connectImage = (config: StackConfig): string => `ripple-connect:${mavenArtifacts(config).debeziumVersion}`
