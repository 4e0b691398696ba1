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

export interface ImageUser {
  readonly uid: number
  readonly gid: number
  /** Whether it runs with a read-only root filesystem (and /tmp of its own). */
  readonly readOnlyRoot: boolean
}

/**
 * The unprivileged user each image runs as: its own, numeric (runAsNonRoot can only check a
 * number). The databases, ClickHouse, Cassandra and Kafka write beside their data (sockets, pid
 * files, Cassandra's entrypoint edits its yaml, Kafka's start writes its format arguments): not
 * root, but their root filesystem stays writable. Ripple's processes, Prometheus and HAProxy write
 * only to their volumes and /tmp.
 */
const IMAGE_USERS: Record<string, ImageUser> = {
  [MARIADB_IMAGE]: { uid: 999, gid: 999, readOnlyRoot: false },
  [POSTGRES_IMAGE]: { uid: 999, gid: 999, readOnlyRoot: false },
  [CLICKHOUSE_IMAGE]: { uid: 101, gid: 101, readOnlyRoot: false },
  [CASSANDRA_IMAGE]: { uid: 999, gid: 999, readOnlyRoot: false },
  [PROMETHEUS_IMAGE]: { uid: 65534, gid: 65534, readOnlyRoot: true },
  [HAPROXY_IMAGE]: { uid: 99, gid: 99, readOnlyRoot: true }
}

export function imageUser (image: string): ImageUser {
  const known = IMAGE_USERS[image]
  if (known) return known
  // Node's image runs as `node`; Kafka's and Connect's (built on it) as `appuser`: uid 1000 both.
  if (image.startsWith('ripple:')) return { uid: 1000, gid: 1000, readOnlyRoot: true }
  if (image.startsWith('apache/kafka:') || image.startsWith('ripple-connect:')) return { uid: 1000, gid: 1000, readOnlyRoot: false }
  throw new Error(`deploy/src/images.ts knows no unprivileged user of image ${image}: add it to IMAGE_USERS`)
}
