import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it, mock } from 'node:test'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { serviceLifecycle } from '../../src/service/service.lifecycle.ts'

/** The lifecycle with process.exit recorded instead of done, and the signal handlers it adds taken away after each test. */
describe('serviceLifecycle', () => {
  let exits: number[]
  let lines: { level: string, message: string, fields: unknown }[]
  const signals = ['SIGTERM', 'SIGINT'] as const
  let before: Map<string, NodeJS.SignalsListener[]>

  beforeEach(() => {
    exits = []
    lines = []
    mock.method(process, 'exit', (code?: number) => { exits.push(code ?? 0) })
    before = new Map(signals.map(s => [s, process.listeners(s)]))
  })
  afterEach(() => {
    mock.restoreAll()
    for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s)!.includes(l)) process.removeListener(s, l)
  })

  const logger = {
    info: (fields: unknown, message: string) => { lines.push({ level: 'info', message, fields }) },
    error: (fields: unknown, message: string) => { lines.push({ level: 'error', message, fields }) },
    fatal: (fields: unknown, message: string) => { lines.push({ level: 'fatal', message, fields }) }
  } as never

  function service (options: { start?: () => Promise<{ url: string }>, stop?: () => Promise<void> } = {}) {
    const calls: string[] = []
    return {
      calls,
      start: async () => { calls.push('start'); return options.start ? options.start() : { url: 'http://127.0.0.1:1' } },
      stop: async () => { calls.push('stop'); await options.stop?.() }
    }
  }

  /** Delivers a signal to the handlers the lifecycle added only: the test runner has its own, which would cancel the run. */
  function signal (name: typeof signals[number]): void {
    for (const l of process.listeners(name)) {
      if (before.get(name)!.includes(l)) continue
      // A once-listener takes itself off as it runs, as process.emit would.
      process.removeListener(name, l)
      l(name)
    }
  }

  async function settle (): Promise<void> {
    for (let i = 0; i < 10; i++) await yieldToLoop()
  }

  it('starts the service and logs its URL; nothing exits', async () => {
    const s = service()
    await serviceLifecycle('svc').run(s, logger)
    assert.deepEqual(s.calls, ['start'])
    assert.deepEqual(lines, [{ level: 'info', message: 'svc started', fields: { url: 'http://127.0.0.1:1' } }])
    assert.deepEqual(exits, [])
  })

  for (const name of signals) {
    it(`stops once on ${name} and exits 0`, async () => {
      const s = service()
      await serviceLifecycle('svc').run(s, logger)
      signal(name)
      signal('SIGTERM')
      await settle()
      assert.deepEqual(s.calls, ['start', 'stop'])
      assert.deepEqual(exits, [0])
      assert.deepEqual(lines.at(1), { level: 'info', message: 'svc stopping', fields: { reason: name } })
    })
  }

  it('exits 1 when the service does not stop cleanly', async () => {
    const s = service({ stop: async () => { throw new Error('pool stuck') } })
    await serviceLifecycle('svc').run(s, logger)
    signal('SIGTERM')
    await settle()
    assert.deepEqual(exits, [1])
    assert.equal(lines.at(-1)?.level, 'error')
    assert.equal(lines.at(-1)?.message, 'svc did not stop cleanly')
  })

  it('stops and exits 1 when start-up fails', async () => {
    const s = service({ start: async () => { throw new Error('port taken') } })
    await serviceLifecycle('svc').run(s, logger)
    assert.deepEqual(s.calls, ['start', 'stop'])
    assert.deepEqual(exits, [1])
    assert.equal(lines[0]?.level, 'fatal')
    assert.equal(lines[0]?.message, 'svc failed to start')
  })

  it('exits 1 after a failed start even when stopping fails too', async () => {
    const s = service({ start: async () => { throw new Error('port taken') }, stop: async () => { throw new Error('and worse') } })
    await serviceLifecycle('svc').run(s, logger)
    assert.deepEqual(exits, [1])
  })

  it('stops and exits 1 on a fatal consumer error, once', async () => {
    const lifecycle = serviceLifecycle('svc')
    const s = service()
    await lifecycle.run(s, logger)
    lifecycle.fatal()
    lifecycle.fatal()
    await settle()
    assert.deepEqual(s.calls, ['start', 'stop'])
    assert.deepEqual(exits, [1])
    assert.deepEqual(lines.at(1), { level: 'info', message: 'svc stopping', fields: { reason: 'consumer failure' } })
  })

  it('exits 1 on a fatal error before the service exists', async () => {
    serviceLifecycle('svc').fatal()
    await settle()
    assert.deepEqual(exits, [1])
  })
})
