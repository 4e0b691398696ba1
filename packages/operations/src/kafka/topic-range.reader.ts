import { randomBytes } from 'node:crypto'
import { Consumer, FetchIsolationLevels, IS_CONTROL } from '@platformatic/kafka'
import pLimit from 'p-limit'
import type { ConsumedRecord } from './kafka.operations.ts'
import type { KafkaSasl } from './kafka.target.ts'

/**
 * Reads records by offset range with Kafka's Fetch API on one long-lived client: a page of a
 * topic costs a few bounded fetches from where it starts, never a read of the whole topic, and no
 * consumer group is ever joined. Ranges end where asked, so the newest page of a 100,000-record
 * topic reads about as much as its oldest.
 */
export interface PartitionBounds { partition: number, start: bigint, end: bigint }

const FETCH_BYTES = 1024 * 1024

export class TopicRangeReader {
  readonly #client: Consumer
  // Two fetches at once on this client's connection each took far longer than both one after the
  // other, so fetches go one at a time.
  readonly #oneFetch = pLimit(1)

  constructor (brokers: string[], sasl: KafkaSasl) {
    this.#client = new Consumer({ clientId: 'ripple-console', bootstrapBrokers: brokers, sasl, groupId: `ripple-console-${randomBytes(4).toString('hex')}` })
  }

  /** Each partition's first and end offsets now. */
  async bounds (topic: string): Promise<PartitionBounds[]> {
    const [starts, ends] = await Promise.all([
      this.#client.listOffsets({ topics: [topic], timestamp: -2n }),
      this.#client.listOffsets({ topics: [topic], timestamp: -1n })
    ])
    return (ends.get(topic) ?? []).map((end, partition) => ({ partition, start: starts.get(topic)?.[partition] ?? 0n, end }))
  }

  /** Each partition's leader, replicas, in-sync replicas and offsets, from this client's metadata. */
  async partitions (topic: string): Promise<(PartitionBounds & { leader: number, replicas: number[], isr: number[] })[] | undefined> {
    const t = (await this.#client.metadata({ topics: [topic] })).topics.get(topic)
    if (!t) return undefined
    const bounds = await this.bounds(topic)
    return t.partitions.map((p, partition) => ({ partition, leader: p.leader, replicas: p.replicas, isr: p.isr, start: bounds[partition]?.start ?? 0n, end: bounds[partition]?.end ?? 0n }))
  }

  /** The first offset of each partition at or after a time (its end when nothing is that recent). */
  async offsetsAt (topic: string, timeMs: number): Promise<bigint[]> {
    const [at, ends] = await Promise.all([
      this.#client.listOffsets({ topics: [topic], timestamp: BigInt(timeMs) }),
      this.#client.listOffsets({ topics: [topic], timestamp: -1n })
    ])
    return (at.get(topic) ?? []).map((o, p) => o < 0n ? ends.get(topic)?.[p] ?? 0n : o)
  }

  /** Records of one partition with offsets in [from, to), oldest first (control records left out), not decoded. */
  async read (topic: string, partition: number, from: bigint, to: bigint): Promise<ConsumedRecord[]> {
    const out: ConsumedRecord[] = []
    let next = from
    while (next < to) {
      const metadata = await this.#client.metadata({ topics: [topic] })
      const t = metadata.topics.get(topic)
      const leader = t?.partitions[partition]?.leader
      if (!t || leader === undefined) break
      const response = await this.#oneFetch(() => this.#client.fetch({
        node: leader, maxWaitTime: 0, minBytes: 1, maxBytes: FETCH_BYTES, isolationLevel: FetchIsolationLevels.READ_COMMITTED,
        topics: [{ topicId: t.id, partitions: [{ partition, fetchOffset: next, partitionMaxBytes: FETCH_BYTES, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }]
      }))
      const batches = response.responses[0]?.partitions[0]?.records ?? []
      let last = next - 1n
      for (const batch of batches) {
        last = batch.firstOffset + BigInt(batch.lastOffsetDelta)
        if (batch.attributes & IS_CONTROL) continue
        for (const r of batch.records) {
          const offset = batch.firstOffset + BigInt(r.offsetDelta)
          if (offset < next || offset >= to) continue
          // Not decoded as a Debezium change here: a filtered page reads thousands to show a few.
          out.push({
            partition,
            offset: String(offset),
            timestamp: new Date(Number(batch.firstTimestamp + r.timestampDelta)).toISOString(),
            key: r.key?.toString('utf8') ?? null,
            headers: Object.fromEntries(r.headers.map(([k, v]) => [k?.toString('utf8') ?? '', v?.toString('utf8') ?? ''])),
            value: r.value?.toString('utf8') ?? null
          })
        }
      }
      // Nothing came back (a compacted gap, or the end): the range holds no more.
      if (last < next) break
      next = last + 1n
    }
    return out
  }

  async close (): Promise<void> {
    await this.#client.close(true)
  }
}
