import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import { DomainError } from '../../src/domain/domain.error.ts'
import { InvalidInputError, RippleError } from '../../src/errors/ripple.error.ts'
import { createLogger } from '../../src/logging/logger.ts'
import type { ConsumedMessage } from '../../src/kafka/kafka.types.ts'
import type { DeadLetterPublisher } from '../../src/retry/dead-letter.publisher.ts'
import { canRetry, processWithRetry } from '../../src/retry/retry.policy.ts'

const logger = createLogger('test', 'silent')
const retry = { minTimeout: 1, maxTimeout: 5, factor: 1 }
const message: ConsumedMessage = { topic: 'users', partition: 1, offset: 7n, timestamp: 0n, key: Buffer.from('k'), value: Buffer.from('v'), headers: new Map() }

function recordingDlq (failures = 0) {
  const parked: Array<{ error: unknown, attempts: number }> = []
  let calls = 0
  const dlq: DeadLetterPublisher = {
    publish: async (_message, error, attempts) => {
      if (calls++ < failures) throw new Error('broker unavailable')
      parked.push({ error, attempts })
    }
  }
  return { dlq, parked }
}

function failing (errors: unknown[]) {
  let calls = 0
  return {
    handler: async () => {
      const error = errors[calls++]
      if (error !== undefined) throw error
    },
    calls: () => calls
  }
}

describe('canRetry', () => {
  it('never retries invalid input or a RippleError that says so', () => {
    assert.equal(canRetry(new InvalidInputError('value', 'bad')), false)
    assert.equal(canRetry(new RippleError('GONE', 'gone')), false)
  })

  it('retries what says it may succeed later, and unclassified errors', () => {
    assert.equal(canRetry(new RippleError('SMTP_DOWN', 'down', { canRetry: true })), true)
    assert.equal(canRetry(new Error('ECONNRESET')), true)
  })

  it('reads canRetry from a service\'s own DomainError, and presumes an outage for a look-alike that does not extend it', () => {
    class MailboxFullError extends DomainError<'MAILBOX_FULL'> { constructor () { super('MAILBOX_FULL', 'full') } }
    assert.equal(canRetry(new MailboxFullError()), false)
    assert.equal(canRetry(Object.assign(new Error('full'), { code: 'MAILBOX_FULL', canRetry: false })), true)
  })
})

describe('processWithRetry', () => {
  it('retries a retryable failure and succeeds without dead-lettering', async () => {
    const { dlq, parked } = recordingDlq()
    const h = failing([new RippleError('FLAKY', 'flaky', { canRetry: true })])
    assert.deepEqual(await processWithRetry(message, h.handler, { retry, dlq, logger }), { outcome: 'processed', attempts: 2 })
    assert.equal(h.calls(), 2)
    assert.equal(parked.length, 0)
  })

  it('dead-letters invalid input at once', async () => {
    const { dlq, parked } = recordingDlq()
    const error = new InvalidInputError('value', 'not JSON')
    const h = failing([error])
    assert.deepEqual(await processWithRetry(message, h.handler, { retry, dlq, logger }), { outcome: 'dead-lettered', attempts: 1 })
    assert.deepEqual(parked, [{ error, attempts: 1 }])
  })

  it('dead-letters a non-retryable RippleError at once', async () => {
    const { dlq, parked } = recordingDlq()
    const h = failing([new RippleError('REJECTED', 'mailbox does not exist')])
    assert.equal((await processWithRetry(message, h.handler, { retry, dlq, logger })).outcome, 'dead-lettered')
    assert.equal(h.calls(), 1)
    assert.equal(parked[0]?.attempts, 1)
  })

  it('waits out an outage however long it lasts, never dead-letters it, and reports each retry', async () => {
    const { dlq, parked } = recordingDlq()
    const always = Array.from({ length: 25 }, (_, i) => new RippleError('SMTP_UNAVAILABLE', `smtp down ${i}`, { canRetry: true }))
    const h = failing(always)
    const seen: string[] = []
    assert.deepEqual(await processWithRetry(message, h.handler, { retry, dlq, logger, onRetry: e => seen.push((e as Error).message) }), { outcome: 'processed', attempts: 26 })
    assert.equal(h.calls(), 26)
    assert.equal(parked.length, 0)
    assert.equal(seen.length, 25)
    assert.equal(seen.at(-1), 'smtp down 24')
  })

  it('does not report a failure that is not retried', async () => {
    const { dlq } = recordingDlq()
    const seen: unknown[] = []
    const h = failing([new InvalidInputError('value', 'bad')])
    assert.equal((await processWithRetry(message, h.handler, { retry, dlq, logger, onRetry: e => seen.push(e) })).outcome, 'dead-lettered')
    assert.deepEqual(seen, [])
  })

  it('keeps trying the dead-letter topic rather than drop the message', async () => {
    const { dlq, parked } = recordingDlq(2)
    const h = failing([new InvalidInputError('value', 'bad')])
    assert.equal((await processWithRetry(message, h.handler, { retry, dlq, logger })).outcome, 'dead-lettered')
    assert.equal(parked.length, 1)
  })

  it('gives up without dead-lettering when stopped between attempts', async () => {
    const { dlq, parked } = recordingDlq()
    const stop = new AbortController()
    const handler = async () => {
      stop.abort()
      throw new RippleError('FLAKY', 'flaky', { canRetry: true })
    }
    assert.deepEqual(await processWithRetry(message, handler, { retry, dlq, logger, signal: stop.signal }), { outcome: 'aborted', attempts: 1 })
    assert.equal(parked.length, 0)
  })
})

describe('processWithRetry when stopped', () => {
  it('reports an attempt that was running when stop came, and succeeded, as processed', async () => {
    const { dlq } = recordingDlq()
    const stop = new AbortController()
    const handler = async () => { stop.abort() }
    assert.deepEqual(await processWithRetry(message, handler, { retry, dlq, logger, signal: stop.signal }), { outcome: 'processed', attempts: 1 })
  })

  it('stops waiting for the next attempt at once, and makes one last attempt that fails again', async () => {
    const { dlq, parked } = recordingDlq()
    const stop = new AbortController()
    const slowRetry = { ...retry, minTimeout: 600_000, maxTimeout: 600_000 }
    const handler = async () => {
      setImmediate(() => stop.abort())
      throw new RippleError('FLAKY', 'flaky', { canRetry: true })
    }
    assert.deepEqual(await processWithRetry(message, handler, { retry: slowRetry, dlq, logger, signal: stop.signal }), { outcome: 'aborted', attempts: 2 })
    assert.equal(parked.length, 0)
  })

  it('reports a last attempt made at the stop that succeeds (the outage is over) as processed', async () => {
    const { dlq, parked } = recordingDlq()
    const stop = new AbortController()
    const slowRetry = { ...retry, minTimeout: 600_000, maxTimeout: 600_000 }
    let calls = 0
    const handler = async () => {
      if (++calls > 1) return
      setImmediate(() => stop.abort())
      throw new RippleError('FLAKY', 'flaky', { canRetry: true })
    }
    assert.deepEqual(await processWithRetry(message, handler, { retry: slowRetry, dlq, logger, signal: stop.signal }), { outcome: 'processed', attempts: 2 })
    assert.equal(parked.length, 0)
  })
})

describe('processWithRetry, what it tells', () => {
  /** A logger that keeps its lines, parsed. */
  function capturing () {
    const lines: Array<Record<string, unknown>> = []
    const destination = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>); done() } })
    return { logger: createLogger('test', 'info', destination), lines }
  }

  it('logs each retry and the dead-lettering with the message\'s topic, partition and offset, the error and the attempts', async () => {
    const { logger, lines } = capturing()
    const { dlq } = recordingDlq(1)
    const h = failing([new RippleError('FLAKY', 'flaky', { canRetry: true }), new InvalidInputError('value', 'bad')])
    assert.equal((await processWithRetry(message, h.handler, { retry, dlq, logger })).outcome, 'dead-lettered')
    const where = { topic: 'users', partition: 1, offset: '7' }
    const [retried, parked, dlqFailed] = lines
    assert.equal(lines.length, 3)
    assert.deepEqual({ topic: retried?.topic, partition: retried?.partition, offset: retried?.offset }, where)
    assert.equal(retried?.attempt, 1)
    assert.equal(typeof retried?.retryInMs, 'number')
    assert.equal((retried?.err as { message?: string } | undefined)?.message, 'flaky')
    assert.deepEqual({ topic: parked?.topic, partition: parked?.partition, offset: parked?.offset }, where)
    assert.equal(parked?.attempts, 2)
    assert.equal((parked?.err as { message?: string } | undefined)?.message, 'bad')
    assert.deepEqual({ topic: dlqFailed?.topic, partition: dlqFailed?.partition, offset: dlqFailed?.offset }, where)
    assert.equal((dlqFailed?.err as { message?: string } | undefined)?.message, 'broker unavailable')
  })

  it('waits a randomized backoff between attempts (jitter), so members do not retry in step', async () => {
    const { logger, lines } = capturing()
    const { dlq } = recordingDlq()
    const flaky = Array.from({ length: 6 }, () => new RippleError('FLAKY', 'flaky', { canRetry: true }))
    await processWithRetry(message, failing(flaky).handler, { retry: { minTimeout: 10, maxTimeout: 20, factor: 1 }, dlq, logger })
    const delays = lines.map(l => l.retryInMs)
    assert.equal(delays.length, 6)
    // Without jitter every wait would be minTimeout; with it, six draws all that short are next to impossible.
    assert.ok(delays.some(d => typeof d === 'number' && d > 10), `delays ${delays.join(', ')}`)
  })

  it('reports each failed dead-letter publish as a retry, so /health says what the partition waits for', async () => {
    const { dlq, parked } = recordingDlq(2)
    const seen: unknown[] = []
    const h = failing([new InvalidInputError('value', 'bad')])
    assert.equal((await processWithRetry(message, h.handler, { retry, dlq, logger, onRetry: e => seen.push((e as Error).message) })).outcome, 'dead-lettered')
    assert.deepEqual(seen, ['broker unavailable', 'broker unavailable'])
    assert.equal(parked.length, 1)
  })

  it('gives up on the dead-letter topic when stopped while it is unavailable, leaving the message uncommitted', async () => {
    const stop = new AbortController()
    let publishes = 0
    const dlq: DeadLetterPublisher = {
      publish: async () => {
        publishes++
        setImmediate(() => stop.abort())
        throw new Error('broker unavailable')
      }
    }
    const slowRetry = { ...retry, minTimeout: 600_000, maxTimeout: 600_000 }
    const h = failing([new InvalidInputError('value', 'bad')])
    assert.deepEqual(await processWithRetry(message, h.handler, { retry: slowRetry, dlq, logger, signal: stop.signal }), { outcome: 'aborted', attempts: 1 })
    // The wait was cut short and one last publish made at the stop.
    assert.equal(publishes, 2)
  })

  it('leaves no listener on the stop signal once the message is done', async () => {
    const stop = new AbortController()
    const { dlq } = recordingDlq(1)
    const h = failing([new RippleError('FLAKY', 'flaky', { canRetry: true }), new InvalidInputError('value', 'bad')])
    assert.equal((await processWithRetry(message, h.handler, { retry, dlq, logger, signal: stop.signal })).outcome, 'dead-lettered')
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0)
  })
})
