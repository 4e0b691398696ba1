// `./ripple up` on a running service that answers unhealthy: restarted once it stays so past the
// grace, left alone when it recovers by itself. The supervisor and the service are stand-ins.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Component, Health } from '../src/components/component.ts'
import { loadStackConfig } from '../src/config.ts'
import { startOne } from '../src/stack.ts'
import type { RunningProcess, Supervisor } from '../src/supervisor.ts'

const config = loadStackConfig({ RIPPLE_START_TIMEOUT_MS: '5000' })

function fakes (healthOf: (restarts: number) => Health) {
  const state = { restarts: 0, starts: 0, lines: [] as string[] }
  const supervisor = {
    list: async () => [{ name: 'svc', online: true }],
    restart: async () => { state.restarts++ },
    start: async () => { state.starts++ },
    logFile: () => '/nonexistent'
  } as unknown as Supervisor
  const component: Component = {
    name: 'svc',
    address: () => 'http://127.0.0.1:1',
    ports: () => [],
    binaries: () => [],
    prepare: async () => {},
    process: () => ({ command: 'true', args: [], cwd: '/', env: {}, stopTimeoutMs: 1000 }),
    health: async () => healthOf(state.restarts),
    restartWhenUnhealthy: true,
    dependsOn: []
  }
  const running = [{ name: 'svc', online: true }] as RunningProcess[]
  return { state, supervisor, component, running, log: (line: string) => { state.lines.push(line) } }
}

describe('startOne on a running service', () => {
  it('restarts one that stays unhealthy past the grace, then waits until it is healthy', async () => {
    const f = fakes(restarts => restarts > 0 ? { healthy: true } : { healthy: false, reason: 'consumer svc: not in its group for 90 s' })
    await startOne(config, f.supervisor, f.component, f.running, f.log, 300)
    assert.equal(f.state.restarts, 1)
    assert.equal(f.state.starts, 0)
    assert.match(f.state.lines.join('\n'), /restarting svc: unhealthy \(consumer svc: not in its group for 90 s\)/)
  })

  it('leaves alone one that turns healthy within the grace', async () => {
    let calls = 0
    const f = fakes(() => ++calls > 2 ? { healthy: true } : { healthy: false, reason: 'rejoining' })
    await startOne(config, f.supervisor, f.component, f.running, f.log, 5000)
    assert.equal(f.state.restarts, 0)
  })

  it('fails naming the reason when a restart does not cure it', async () => {
    const f = fakes(() => ({ healthy: false, reason: 'postgres does not answer' }))
    await assert.rejects(startOne({ ...config, startTimeoutMs: 1000 }, f.supervisor, f.component, f.running, f.log, 100), /svc was restarted because it was unhealthy \(postgres does not answer\)/)
    assert.equal(f.state.restarts, 1)
  })
})
