// The ceiling later benchmarks compare with: the same produce/consume workload through Kafka's own
// Java perf tools and through @platformatic/kafka, against the running stack.
//   node bench/kafka-baseline/kafka-baseline.bench.ts [--records N] [--record-size BYTES]
//     [--batch-size N] [--in-flight N] [--java-producer-prop key=value ...]
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { Admin, Consumer, Producer } from '@platformatic/kafka'
import { endpoints, loadStackConfig, writeJavaClientProperties } from '@ripple/stack'
import { fmt, MB, microsHistogram, positiveInt, printTable, trackRssPeak } from '../support/report.ts'
import type { ConsumeFigures, ProduceFigures } from './kafka-tools.ts'
import { consumerPerformance, producerPerformance } from './kafka-tools.ts'

const { values: args } = parseArgs({
  options: {
    'records': { type: 'string', default: '500000' },
    'record-size': { type: 'string', default: '1024' },
    // Records per send(); by default about 1 MB, so each partition's share stays well under the broker's
    // 1 MiB message.max.bytes (a bigger batch is rejected as MESSAGE_TOO_LARGE).
    'batch-size': { type: 'string' },
    // Sends awaited at once. An idempotent producer keeps one request in flight per broker, so a second
    // send only has its batch ready the moment the first is acked; more were no faster on this machine.
    'in-flight': { type: 'string', default: '2' },
    // Extra ProducerPerformance props, e.g. batch.size=262144: its 16 KiB default batch makes it
    // queue-bound, so this is how to get a tuned Java ceiling as well as the out-of-the-box one.
    'java-producer-prop': { type: 'string', multiple: true, default: [] }
  }
})
const records = positiveInt('records', args.records)
const recordSize = positiveInt('record-size', args['record-size'])
const batchSize = positiveInt('batch-size', args['batch-size'] ?? String(Math.max(1, Math.floor(1_000_000 / recordSize))))
const inFlight = positiveInt('in-flight', args['in-flight'])
const javaProducerProps = args['java-producer-prop']

// Benchmarks log in to Kafka as the tests' principal, ripple-test.
const config = loadStackConfig({ ...process.env, RIPPLE_KAFKA_PRINCIPAL: 'ripple-test' })
const brokers = endpoints(config).kafkaBrokers
const run = `bench.baseline.${Date.now()}`
const topics = { java: run, node: `${run}.node` }
const groups = { java: `${run}.java-consumer`, node: `${run}.node-consumer` }

const rss = trackRssPeak()

async function nodeProduce (): Promise<ProduceFigures> {
  const producer = new Producer({ clientId: `${run}.producer`, bootstrapBrokers: brokers, sasl: endpoints(config).kafkaSasl, idempotent: true, acks: -1 })
  // One payload for every record, as ProducerPerformance does, so the figure is the client's cost and not randomBytes'.
  const payload = randomBytes(recordSize)
  // Microseconds; every record of a batch is charged the batch's send-to-ack time, as the Java tool times each record from send() to its ack.
  const latency = microsHistogram()
  let queued = 0
  const lane = async () => {
    while (queued < records) {
      const count = Math.min(batchSize, records - queued)
      queued += count
      const messages = Array.from({ length: count }, () => ({ topic: topics.node, value: payload }))
      const sentAt = performance.now()
      await producer.send({ messages })
      latency.recordValueWithCount(Math.round((performance.now() - sentAt) * 1000), count)
    }
  }
  try {
    const start = performance.now()
    await Promise.all(Array.from({ length: inFlight }, lane))
    const seconds = (performance.now() - start) / 1000
    const ms = (percentile: number) => latency.getValueAtPercentile(percentile) / 1000
    return {
      recordsPerSec: records / seconds, mbPerSec: records * recordSize / MB / seconds,
      avgMs: latency.mean / 1000, maxMs: latency.maxValue / 1000, p50Ms: ms(50), p95Ms: ms(95), p99Ms: ms(99)
    }
  } finally {
    await producer.close()
  }
}

async function nodeConsume (): Promise<ConsumeFigures> {
  // 1 MiB per partition, as Java's max.partition.fetch.bytes: the client's default lets one fetch
  // carry up to 50 MB per partition, and those few huge fetches measured 3-4x slower here.
  const consumer = new Consumer({ clientId: `${run}.consumer`, bootstrapBrokers: brokers, sasl: endpoints(config).kafkaSasl, groupId: groups.node, maxBytesPerPartition: 1024 * 1024 })
  try {
    const joinStart = performance.now()
    const stream = await consumer.consume({ topics: [topics.node], mode: 'earliest', fallbackMode: 'earliest' })
    // Timed from the join on, matching ConsumerPerformance's fetch.* figures.
    const start = performance.now()
    let count = 0
    let bytes = 0
    for await (const message of stream) {
      bytes += (message.key?.length ?? 0) + (message.value?.length ?? 0)
      if (++count === records) break
    }
    const seconds = (performance.now() - start) / 1000
    return { recordsPerSec: count / seconds, mbPerSec: bytes / MB / seconds, joinMs: start - joinStart }
  } finally {
    await consumer.close()
  }
}

async function cleanUp (admin: Admin): Promise<void> {
  // Best effort and loud: a leftover topic must not hide the error that ended the run.
  const existing = await admin.listGroups()
  const results = await Promise.allSettled([
    admin.deleteTopics({ topics: Object.values(topics) }),
    admin.deleteGroups({ groups: Object.values(groups).filter(g => existing.has(g)) })
  ])
  for (const r of results) if (r.status === 'rejected') console.error(`cleanup failed: ${String(r.reason)}`)
}

function report (java: { produce: ProduceFigures, consume: ConsumeFigures }, node: { produce: ProduceFigures, consume: ConsumeFigures }) {
  const rows: [string, number, number][] = [
    ['produce records/s', java.produce.recordsPerSec, node.produce.recordsPerSec],
    ['produce MB/s', java.produce.mbPerSec, node.produce.mbPerSec],
    ['produce p50 latency ms', java.produce.p50Ms, node.produce.p50Ms],
    ['produce p95 latency ms', java.produce.p95Ms, node.produce.p95Ms],
    ['produce p99 latency ms', java.produce.p99Ms, node.produce.p99Ms],
    ['consume records/s', java.consume.recordsPerSec, node.consume.recordsPerSec],
    ['consume MB/s', java.consume.mbPerSec, node.consume.mbPerSec]
  ]
  const table = [
    ['', 'kafka tool (java)', 'node (@platformatic/kafka)', 'node/java'],
    ...rows.map(([name, j, n]) => [name, fmt(j), fmt(n), (n / j).toFixed(2)])
  ]
  console.log(`\n${records.toLocaleString('en-US')} records x ${recordSize} B, 3 partitions, replication ${config.kafka.replicationFactor} on ${config.kafka.nodes.length} node(s) (min.insync.replicas ${config.kafka.minInsyncReplicas}), acks=all, idempotent; node batches of ${batchSize}, ${inFlight} sends at once` +
    (javaProducerProps.length > 0 ? `; java ${javaProducerProps.join(' ')}` : ''))
  printTable(table)
  const rssPeak = rss.peak()
  console.log(`node process RSS peak: ${fmt(rssPeak / MB)} MB`)
  // Both producers run flat out, so latency is mostly time spent queued, and each queues a different amount.
  console.log('latency = send to ack at full load, mostly queueing: java up to its 32 MiB buffer.memory, node up to in-flight x batch')
  const ratio = Object.fromEntries(rows.map(([name, j, n]) => [name, n / j]))
  console.log(`RESULT ${JSON.stringify({ records, recordSize, partitions: 3, batchSize, inFlight, javaProducerProps, java, node: { ...node, rssPeakMb: rssPeak / MB }, ratio })}`)
}

const admin = new Admin({ clientId: `${run}.admin`, bootstrapBrokers: brokers, sasl: endpoints(config).kafkaSasl })
try {
  await admin.createTopics({ topics: Object.values(topics), partitions: 3, replicas: config.kafka.replicationFactor })
  const tool = { kafkaLibs: config.paths.kafkaLibs, bootstrap: brokers.join(','), clientConfig: writeJavaClientProperties(config, config.kafka.principal), records }
  console.error(`${run}: ProducerPerformance`)
  const javaProduce = await producerPerformance({ ...tool, topic: topics.java, recordSize, extraProps: javaProducerProps })
  console.error(`${run}: ConsumerPerformance`)
  const javaConsume = await consumerPerformance({ ...tool, topic: topics.java, group: groups.java })
  console.error(`${run}: @platformatic/kafka Producer`)
  const produce = await nodeProduce()
  console.error(`${run}: @platformatic/kafka Consumer`)
  const consume = await nodeConsume()
  report({ produce: javaProduce, consume: javaConsume }, { produce, consume })
} finally {
  try {
    await cleanUp(admin)
  } finally {
    await admin.close()
  }
}
