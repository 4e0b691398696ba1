import type { Admin } from '@platformatic/kafka'
import type { TopicRangeReader } from '@ripple/operations'

export interface LagPoint { t: number, v: number }

/**
 * Samples every consumer group's total lag on a timer and keeps the last minutes in memory, for
 * the groups page's chart. Two admin requests and one offsets request per sample, whatever the
 * number of groups.
 */
export class LagSampler {
  readonly #admin: Admin
  readonly #reader: TopicRangeReader
  readonly #samples = new Map<string, LagPoint[]>()
  readonly #keep: number
  #timer: NodeJS.Timeout | undefined

  constructor (admin: Admin, reader: TopicRangeReader, options: { keep?: number } = {}) {
    this.#admin = admin
    this.#reader = reader
    this.#keep = options.keep ?? 40
  }

  start (intervalMs: number): void {
    const tick = () => { this.sample().catch(() => {}) }
    tick()
    this.#timer = setInterval(tick, intervalMs)
    this.#timer.unref()
  }

  series (group: string): LagPoint[] {
    return this.#samples.get(group) ?? []
  }

  async sample (now = Date.now()): Promise<void> {
    const groups = [...(await this.#admin.listGroups()).keys()]
    // A group deleted (or a test's, gone) takes its samples with it.
    for (const known of this.#samples.keys()) if (!groups.includes(known)) this.#samples.delete(known)
    if (groups.length === 0) return
    const committed = await this.#admin.listConsumerGroupOffsets({ groups })
    const topics = [...new Set(committed.flatMap(g => g.topics.map(t => t.name)))]
    const ends = new Map<string, bigint[]>()
    await Promise.all(topics.map(async t => { ends.set(t, (await this.#reader.bounds(t)).map(b => b.end)) }))
    for (const g of committed) {
      let lag = 0n
      for (const t of g.topics) {
        for (const p of t.partitions) {
          const end = ends.get(t.name)?.[p.partitionIndex]
          if (end !== undefined && p.committedOffset >= 0n && end > p.committedOffset) lag += end - p.committedOffset
        }
      }
      const list = this.#samples.get(g.groupId) ?? []
      list.push({ t: now, v: Number(lag) })
      if (list.length > this.#keep) list.shift()
      this.#samples.set(g.groupId, list)
    }
  }

  close (): void {
    clearInterval(this.#timer)
  }
}
