import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { execa } from 'execa'
import pRetry from 'p-retry'
import { loadStackConfig } from '../src/config.ts'
import { Supervisor } from '../src/supervisor.ts'

// A pm2 daemon of its own (RIPPLE_HOME in a temporary folder) running stand-ins under service
// names: nothing of the running stack is touched.
const home = mkdtempSync(join(tmpdir(), 'ripple-supervisor-'))
const env = { RIPPLE_HOME: home }
const config = loadStackConfig(env)
const supervisor = new Supervisor(config)
const idle = { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], stopTimeoutMs: 2000, restartOnExit: true }
const cli = (args: string[]) => execa(process.execPath, ['--disable-warning=ExperimentalWarning', join(config.repoRoot, 'stack', 'src', 'cli.ts'), ...args], { env, all: true })
const pidOf = async (name: string) => (await supervisor.list()).find(p => p.name === name && p.online)?.pid
const until = <T>(check: () => Promise<T>) => pRetry(check, { retries: Number.POSITIVE_INFINITY, factor: 1, minTimeout: 100, maxRetryTime: 30_000 })

after(async () => {
  for (const p of await supervisor.list()) await supervisor.remove(p.name)
  await supervisor.shutdownIfIdle()
  rmSync(home, { recursive: true, force: true })
})

test('a service that dies is started again by the supervisor; `stop --kill` leaves it dead, `stop` leaves it stopped', async () => {
  for (const name of ['informer', 'converter', 'processor']) await supervisor.start(name, idle)
  const first = await until(async () => { const pid = await pidOf('informer'); assert.ok(pid); return pid })

  process.kill(first, 'SIGKILL')
  const second = await until(async () => { const pid = await pidOf('informer'); assert.ok(pid && pid !== first, 'restarted with a new pid'); return pid })

  const converter = await pidOf('converter')
  assert.ok(converter)
  await cli(['stop', 'informer', '--kill'])
  await cli(['stop', 'converter'])
  // Well past the first restart delay (500 ms): a restart pm2 had scheduled would have run by now.
  await new Promise(resolve => setTimeout(resolve, 2000))
  const left = await supervisor.list()
  assert.deepEqual(left.map(p => p.name), ['processor'], 'killed and stopped services stay down until ./ripple up')
  for (const pid of [second, converter]) assert.throws(() => process.kill(pid, 0), /ESRCH/, `pid ${pid} is gone`)
})
