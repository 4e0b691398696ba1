import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { execa } from 'execa'

const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts')

test('the old `./ripple connectors` names `./ripple kafka connectors` in one sentence and exits 2, whatever its options', async () => {
  const run = await execa(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'connectors', '--json'], { reject: false })
  assert.equal(run.exitCode, 2)
  assert.equal(run.stdout, '')
  assert.equal(run.stderr, 'ripple: ./ripple connectors is now ./ripple kafka connectors.')
})

test('`--version` prints the root package.json\'s version and exits 0', async () => {
  const root = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
  const run = await execa(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, '--version'], { reject: false })
  assert.equal(run.exitCode, 0)
  assert.equal(run.stdout, root.version)
})
