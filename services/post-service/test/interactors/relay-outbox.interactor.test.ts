import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { setImmediate as tick } from 'node:timers/promises'
import { makeCreatePost } from '../../src/interactors/create-post.interactor.ts'
import { makeRelayOutbox } from '../../src/interactors/relay-outbox.interactor.ts'
import type { OutboxRelayOptions, Sleep } from '../../src/interactors/relay-outbox.interactor.ts'
import { InMemoryPostStore, RecordingPublisher, sequentialIds } from '../fakes/in-memory.ports.ts'

interface Nap { ms: number, queriesBefore: number, cutShort: boolean }

describe('outbox relay (polling publisher)', () => {
  let store: InMemoryPostStore
  let publisher: RecordingPublisher
  let errors: number[]
  const post = (authorId: string, title: string) => makeCreatePost({ posts: store, newEventId: sequentialIds(title) })({ authorId, title, content: 'c' })

  beforeEach(() => {
    store = new InMemoryPostStore()
    publisher = new RecordingPublisher()
    errors = []
  })

  const relayWith = (sleep: Sleep, options: Partial<OutboxRelayOptions> = {}) => makeRelayOutbox({
    outbox: store, publisher, batchSize: 100, intervalMs: 1000, maxBackoffMs: 5000,
    onError: (_e, failures) => { errors.push(failures) }, sleep, ...options
  })

  /** A sleep that records each nap and stops the relay after `count` of them. */
  function countingSleep (count: number, stop: () => Promise<void>) {
    const naps: Nap[] = []
    const sleep: Sleep = async (ms, signal) => {
      naps.push({ ms, queriesBefore: store.queries, cutShort: signal.aborted })
      if (naps.length >= count) void stop()
      await tick()
    }
    return { naps, sleep }
  }

  it('publishes pending events in outbox order and only then forgets them', async () => {
    await post('alice', 'a1')
    await post('bob', 'b1')
    await post('alice', 'a2')
    const relay = relayWith(async () => {})
    assert.equal(await relay.pass(), 3)
    assert.deepEqual(publisher.published.map(e => e.id), ['a1-1', 'b1-1', 'a2-1'])
    assert.equal(store.outbox.length, 0)
    assert.equal(await relay.pass(), 0)
  })

  it('keeps the events when Kafka refuses them, and publishes them on the next pass in the same order', async () => {
    await post('alice', 'a1')
    await post('alice', 'a2')
    publisher.failures.push(new Error('broker down'))
    const relay = relayWith(async () => {})
    await assert.rejects(relay.pass(), /broker down/)
    assert.equal(store.outbox.length, 2)
    assert.equal(await relay.pass(), 2)
    assert.deepEqual(publisher.published.map(e => e.id), ['a1-1', 'a2-1'])
    assert.equal(store.outbox.length, 0)
  })

  it('publishes again what Kafka took but the outbox did not forget: a copy, never a loss', async () => {
    await post('alice', 'a1')
    store.failNext.markSent = new Error('connection lost')
    const relay = relayWith(async () => {})
    await assert.rejects(relay.pass(), /connection lost/)
    assert.equal(await relay.pass(), 1)
    assert.deepEqual(publisher.published.map(e => e.id), ['a1-1', 'a1-1'])
    assert.equal(store.outbox.length, 0)
  })

  it('stands by without reading the outbox while another relay holds it', async () => {
    await post('alice', 'a1')
    store.holdsRelay = false
    const relay = relayWith(async () => {})
    assert.equal(await relay.pass(), 'standby')
    assert.deepEqual([store.queries, publisher.calls], [0, 0])
  })

  it('idle, it reads the outbox once per interval', async () => {
    const { naps, sleep } = countingSleep(5, () => relay.stop())
    const relay = relayWith(sleep)
    relay.start()
    while (naps.length < 5) await tick()
    await relay.stop()
    assert.equal(naps.length, 5)
    assert.deepEqual(naps.map(n => n.ms), [1000, 1000, 1000, 1000, 1000])
    assert.deepEqual(naps.map(n => n.queriesBefore), [1, 2, 3, 4, 5], 'one query before each nap')
  })

  it('busy, it takes full batches back to back and naps once the outbox is drained', async () => {
    for (let i = 1; i <= 5; i++) await post('alice', `a${i}`)
    const { naps, sleep } = countingSleep(1, () => relay.stop())
    const relay = relayWith(sleep, { batchSize: 2 })
    relay.start()
    while (naps.length < 1) await tick()
    await relay.stop()
    assert.deepEqual(publisher.published.map(e => e.id), ['a1-1', 'a2-1', 'a3-1', 'a4-1', 'a5-1'])
    // Two full batches, a last one of one (each a read and a delete), then the first nap.
    assert.deepEqual(naps.map(n => [n.ms, n.queriesBefore]), [[1000, 6]])
  })

  it('backs off exponentially while failing, up to the maximum, and wakes do not cut the backoff short', async () => {
    await post('alice', 'a1')
    for (let i = 0; i < 4; i++) publisher.failures.push(new Error('broker down'))
    const { naps, sleep } = countingSleep(5, () => relay.stop())
    const relay = relayWith(async (ms, signal) => {
      relay.wake()
      await sleep(ms, signal)
    })
    relay.start()
    while (naps.length < 5) await tick()
    await relay.stop()
    assert.deepEqual(naps.map(n => n.ms), [1000, 2000, 4000, 5000, 1000])
    assert.deepEqual(naps.map(n => n.cutShort), [false, false, false, false, true], 'a wake ends only the idle nap')
    assert.deepEqual(errors, [1, 2, 3, 4])
    assert.deepEqual(publisher.published.map(e => e.id), ['a1-1'])
  })

  it('a wake cuts an idle nap short, so a new event leaves at once', async () => {
    const napping: Array<() => void> = []
    const relay = relayWith((_ms, signal) => new Promise<void>(resolve => {
      // Never ends by itself: only a wake or stop ends the nap.
      signal.addEventListener('abort', () => resolve(), { once: true })
      napping.push(resolve)
    }))
    relay.start()
    while (napping.length === 0) await tick()
    await post('alice', 'a1')
    relay.wake()
    while (publisher.published.length === 0) await tick()
    assert.deepEqual(publisher.published.map(e => e.id), ['a1-1'])
    await relay.stop()
  })
})
