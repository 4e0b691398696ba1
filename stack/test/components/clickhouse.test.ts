import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { CLICKHOUSE_SCHEMA_FILES, clickhouse, clickhouseConfigXml, clickhouseStatements, clickhouseUsersXml } from '../../src/components/clickhouse.ts'
import { loadStackConfig } from '../../src/config.ts'
import { StackError } from '../../src/errors.ts'

const moved = loadStackConfig({ RIPPLE_HOME: '/tmp/ripple-home', RIPPLE_CLICKHOUSE_HTTP_PORT: '18123', RIPPLE_CLICKHOUSE_TCP_PORT: '19000', RIPPLE_KAFKA_PORT: '19092' })
const tag = (xml: string, name: string) => [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map(m => m[1])

test('defaults: HTTP 8123, native 9000, as the Debian package and the seed use', () => {
  const config = loadStackConfig({})
  assert.deepEqual([config.ports.clickhouseHttp, config.ports.clickhouseTcp], [8123, 9000])
  assert.deepEqual(clickhouse(config).ports().map(p => p.port), [8123, 9000])
})

test('the server config listens on the stack host only, on the moved ports, with state under RIPPLE_HOME', () => {
  const xml = clickhouseConfigXml(moved)
  assert.deepEqual(tag(xml, 'listen_host'), ['127.0.0.1'])
  assert.deepEqual(tag(xml, 'http_port'), ['18123'])
  assert.deepEqual(tag(xml, 'tcp_port'), ['19000'])
  for (const key of ['path', 'tmp_path', 'user_files_path', 'format_schema_path']) {
    assert.match(tag(xml, key)[0] ?? '', /^\/tmp\/ripple-home\/data\/clickhouse\/.*\/?$/, key)
  }
  assert.deepEqual(tag(xml, 'users_config'), ['/tmp/ripple-home/conf/clickhouse-users.xml'])
  assert.deepEqual(tag(xml, 'console'), ['1'], 'logs go to the supervisor, not /var/log')
  assert.doesNotMatch(xml, /\/var\/(lib|log)\/clickhouse|\/etc\/clickhouse-server/)
  assert.deepEqual(tag(xml, 'auto_offset_reset'), ['earliest'], 'a partition never committed is read from its start')
  assert.deepEqual(tag(xml, 'session_timeout_ms'), ['10000'])
  assert.doesNotMatch(xml, /<https_port>|<interserver_http_port>|<tcp_port_secure>/, 'no port beyond the two the stack checks')
})

test('the users file: default and a read-only reader, each with its password as SHA-256 only, reachable from loopback only, skipping broken CSV lines', () => {
  const xml = clickhouseUsersXml(moved)
  assert.deepEqual(tag(xml, 'ip'), ['127.0.0.1', '::1', '127.0.0.1', '::1'])
  assert.deepEqual(tag(xml, 'password_sha256_hex'), [moved.secrets.clickhouse.admin, moved.secrets.clickhouse.reader].map(p => createHash('sha256').update(p).digest('hex')))
  assert.doesNotMatch(xml, /<password>/, 'no password in clear')
  for (const p of Object.values(moved.secrets.clickhouse)) assert.ok(!xml.includes(p))
  assert.match(xml, /<reader>[\s\S]*<profile>readonly<\/profile>[\s\S]*<\/reader>/)
  assert.match(xml, /<readonly>\s*<max_memory_usage>[\s\S]*<readonly>1<\/readonly>\s*<\/readonly>/)
  assert.ok(Number(tag(xml, 'input_format_allow_errors_num')[0]) > 0)
})

test('the process is the Debian binary with the generated config, installed by apt with its system service disabled', () => {
  const c = clickhouse(moved)
  assert.deepEqual(c.process().args, ['--config-file=/tmp/ripple-home/conf/clickhouse.xml'])
  assert.deepEqual(c.binaries(), [{ path: '/usr/sbin/clickhouse-server', aptPackage: 'clickhouse-server', systemService: 'clickhouse-server' }])
  assert.deepEqual(c.dependsOn, ['kafka'])
})

test('jobs.sql gives the seed\'s three objects, reading clickhouse-topic from the stack\'s broker', () => {
  const sql = readFileSync(join(moved.repoRoot, 'stack', 'clickhouse', CLICKHOUSE_SCHEMA_FILES[0]!), 'utf8')
  const statements = clickhouseStatements(moved, sql)
  assert.equal(statements.length, 3)
  assert.match(statements[0]!, /^CREATE TABLE IF NOT EXISTS jobs_kafka[\s\S]*ENGINE = Kafka/)
  assert.match(statements[0]!, /kafka_broker_list = '127\.0\.0\.1:19092'/)
  assert.match(statements[0]!, /kafka_topic_list = 'clickhouse-topic'/)
  assert.match(statements[1]!, /^CREATE TABLE IF NOT EXISTS jobs \([\s\S]*ReplacingMergeTree\(\)\s+ORDER BY \(id, status\)$/)
  assert.match(statements[2]!, /^CREATE MATERIALIZED VIEW IF NOT EXISTS jobs_mv\s+TO jobs[\s\S]*FROM jobs_kafka/)
  for (const s of statements) assert.doesNotMatch(s, /^--|\$\{|;$/m)
})

test('statements split at a semicolon ending a line, comments dropped, an unknown placeholder refused by name', () => {
  assert.deepEqual(clickhouseStatements(moved, '-- a note; with a semicolon\nSELECT 1;\nSELECT \';\' ;\n\nSELECT 2'), ['SELECT 1', 'SELECT \';\'', 'SELECT 2'])
  assert.throws(() => clickhouseStatements(moved, 'SELECT \'${NOPE}\''), (err: unknown) => err instanceof StackError && /\$\{NOPE\}/.test(err.message))
})
