import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

// Kafka's own perf tools, run from the jars the stack already downloaded: they are the
// reference a Node client is measured against, so they run with the tools' defaults
// apart from what makes the workload equal (acks=all, idempotence, same size and count).

const run = promisify(execFile)

export interface ToolOptions {
  kafkaLibs: string
  bootstrap: string
  /** A 0600 client properties file with the login (writeJavaClientProperties): no password in the tools' arguments. */
  clientConfig: string
  topic: string
  records: number
}

export interface ProduceFigures {
  recordsPerSec: number
  mbPerSec: number
  avgMs: number
  maxMs: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
}

export interface ConsumeFigures {
  recordsPerSec: number
  mbPerSec: number
  /** Group join until partitions were assigned; the rates above leave it out. */
  joinMs: number
}

async function java (kafkaLibs: string, mainClass: string, args: string[]): Promise<string> {
  // No log4j config on purpose: log4j2 then logs only errors, to stderr, so stdout holds just the figures.
  const { stdout } = await run('java', ['-Xmx512m', '-XX:+UseG1GC', '-cp', join(kafkaLibs, '*'), mainClass, ...args], { maxBuffer: 16 * 1024 * 1024 })
  return stdout
}

// The last line, e.g. "200000 records sent, 61162.4 records/sec (59.73 MB/sec), 448.12 ms avg latency,
// 702.00 ms max latency, 452 ms 50th, 640 ms 95th, 684 ms 99th, 698 ms 99.9th." (progress lines lack percentiles).
const producerSummary = /records sent, (?<rps>[\d.]+) records\/sec \((?<mbps>[\d.]+) MB\/sec\), (?<avg>[\d.]+) ms avg latency, (?<max>[\d.]+) ms max latency, (?<p50>\d+) ms 50th, (?<p95>\d+) ms 95th, (?<p99>\d+) ms 99th/

export async function producerPerformance (o: ToolOptions & { recordSize: number, extraProps: string[] }): Promise<ProduceFigures> {
  const stdout = await java(o.kafkaLibs, 'org.apache.kafka.tools.ProducerPerformance', [
    '--topic', o.topic, '--num-records', String(o.records), '--record-size', String(o.recordSize), '--throughput', '-1',
    '--producer.config', o.clientConfig,
    '--producer-props', `bootstrap.servers=${o.bootstrap}`, 'acks=all', 'enable.idempotence=true', ...o.extraProps
  ])
  const g = producerSummary.exec(stdout)?.groups
  if (!g) throw new Error(`ProducerPerformance printed no summary line:\n${stdout}`)
  return {
    recordsPerSec: Number(g.rps), mbPerSec: Number(g.mbps), avgMs: Number(g.avg), maxMs: Number(g.max),
    p50Ms: Number(g.p50), p95Ms: Number(g.p95), p99Ms: Number(g.p99)
  }
}

export async function consumerPerformance (o: ToolOptions & { group: string }): Promise<ConsumeFigures> {
  const stdout = await java(o.kafkaLibs, 'org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server', o.bootstrap, '--consumer.config', o.clientConfig, '--topic', o.topic, '--messages', String(o.records), '--group', o.group
  ])
  // A header line and one value line, both ", "-separated; read by column name so a reordering cannot mislabel figures.
  const [header, values] = stdout.trim().split('\n').slice(-2).map(line => line.split(',').map(cell => cell.trim()))
  const row = new Map(header?.map((name, i) => [name, Number(values?.[i])]))
  const pick = (name: string) => {
    const value = row.get(name)
    if (value === undefined || Number.isNaN(value)) throw new Error(`ConsumerPerformance output lacks ${name}:\n${stdout}`)
    return value
  }
  if (pick('data.consumed.in.nMsg') < o.records) throw new Error(`ConsumerPerformance read ${pick('data.consumed.in.nMsg')} of ${o.records} records`)
  // fetch.* exclude the group join, which is rebalance timing rather than client throughput.
  return { recordsPerSec: pick('fetch.nMsg.sec'), mbPerSec: pick('fetch.MB.sec'), joinMs: pick('rebalance.time.ms') }
}
