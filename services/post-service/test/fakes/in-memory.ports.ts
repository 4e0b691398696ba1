import type { OutboxEvent } from '@ripple/contracts'
import { err, ok } from '@ripple/kit/domain'
import { InvalidPostError } from '../../src/entities/post.errors.ts'
import type { Post } from '../../src/entities/post.entity.ts'
import type { EventPublisher, OutboxStore, PendingEvent } from '../../src/ports/outbox-repository.port.ts'
import type { PostRepository } from '../../src/ports/post-repository.port.ts'

/**
 * Posts and their outbox in memory, with the database's contract: a post and its event are stored
 * together or not at all, ids count up, the outbox hands events out in insertion order.
 */
export class InMemoryPostStore implements PostRepository, OutboxStore {
  posts: Post[] = []
  outbox: PendingEvent[] = []
  /** Makes the next outbox write fail, after the post's own write went through. */
  failNextEventWrite: Error | undefined
  /** Titles longer than this are refused, as by a column. */
  titleColumn = 255
  holdsRelay = true
  queries = 0
  failNext: { pending?: Error, markSent?: Error } = {}
  private nextId = 1
  private position = 0

  async insertWithEvent (post: Omit<Post, 'id'>, eventFor: (stored: Post) => OutboxEvent) {
    if (post.title.length > this.titleColumn) return err(new InvalidPostError('title', 'title is longer than the store holds'))
    const stored: Post = { id: this.nextId, ...post }
    const event = eventFor(stored)
    if (this.failNextEventWrite) {
      const failure = this.failNextEventWrite
      this.failNextEventWrite = undefined
      // Rolled back: the post's write is undone with it.
      throw failure
    }
    this.nextId++
    this.posts.push(structuredClone(stored))
    this.outbox.push({ ...structuredClone(event), position: ++this.position })
    return ok(structuredClone(stored))
  }

  async findById (id: number) {
    const post = this.posts.find(p => p.id === id)
    return post ? structuredClone(post) : undefined
  }

  async claimRelay () {
    return this.holdsRelay
  }

  async pending (limit: number) {
    this.queries++
    if (this.failNext.pending) {
      const failure = this.failNext.pending
      this.failNext.pending = undefined
      throw failure
    }
    return structuredClone(this.outbox.slice(0, limit))
  }

  async markSent (events: PendingEvent[]) {
    this.queries++
    if (this.failNext.markSent) {
      const failure = this.failNext.markSent
      this.failNext.markSent = undefined
      throw failure
    }
    const sent = new Set(events.map(e => e.position))
    this.outbox = this.outbox.filter(e => !sent.has(e.position))
  }

  async deleteOlderThan (cutoff: Date, limit: number) {
    this.queries++
    const old = this.outbox.filter(e => e.createdAt < cutoff).slice(0, limit)
    const gone = new Set(old.map(e => e.position))
    this.outbox = this.outbox.filter(e => !gone.has(e.position))
    return old.length
  }

  async close () {}
}

/** Records what would have reached Kafka; each queued failure refuses one publish. */
export class RecordingPublisher implements EventPublisher {
  published: OutboxEvent[] = []
  failures: Error[] = []
  calls = 0

  async publish (events: OutboxEvent[]) {
    this.calls++
    const failure = this.failures.shift()
    if (failure) throw failure
    this.published.push(...structuredClone(events))
  }
}

export const fixedClock = (iso: string) => () => new Date(iso)

export function sequentialIds (prefix = 'event') {
  let n = 0
  return () => `${prefix}-${++n}`
}
