import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { execa } from 'execa'
import { summarize, unitTestFiles } from '../../src/commands/test.command.ts'

const REPORTER = join(import.meta.dirname, '..', '..', 'src', 'commands', 'file-timing.reporter.ts')

test('the timing reporter writes one line per test file: its path, its wall time and whether it passed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripple-reporter-'))
  writeFileSync(join(dir, 'slow.test.mjs'), "import { test } from 'node:test'\ntest('slow', () => new Promise(resolve => setTimeout(resolve, 300)))\n")
  writeFileSync(join(dir, 'broken.test.mjs'), "import { test } from 'node:test'\ntest('broken', () => { throw new Error('no') })\n")
  const out = join(dir, 'files.jsonl')
  // Not as a child of this test run: node --test hands a child's results to its parent, not to reporters.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_TEST_CONTEXT'))
  await execa(process.execPath, ['--test', '--test-reporter=dot', '--test-reporter-destination=stdout', `--test-reporter=${REPORTER}`, `--test-reporter-destination=${out}`, 'slow.test.mjs', 'broken.test.mjs'], { cwd: dir, reject: false, env, extendEnv: false })
  const runs = readFileSync(out, 'utf8').trim().split('\n').map(line => JSON.parse(line) as { file: string, ms: number, passed: boolean })
  const byFile = new Map(runs.map(r => [r.file, r]))
  assert.equal(byFile.size, 2)
  assert.equal(byFile.get(join(dir, 'slow.test.mjs'))?.passed, true)
  assert.ok((byFile.get(join(dir, 'slow.test.mjs'))?.ms ?? 0) >= 300, 'the file took at least its test\'s wait')
  assert.equal(byFile.get(join(dir, 'broken.test.mjs'))?.passed, false)
})

test('the summary: the ten slowest files, slowest first; with --repeat each file\'s passes; the files with a failure', () => {
  const root = '/repo'
  const runs = Array.from({ length: 12 }, (_, i) => ({ file: `/repo/t/f${i}.test.ts`, ms: (i + 1) * 1000, passed: i !== 3 }))
  const once = summarize(runs, root, 1)
  assert.equal(once[0], 'ten slowest test files:')
  assert.deepEqual(once.slice(1, 11).map(l => l.trim()), Array.from({ length: 10 }, (_, i) => `${12 - i}.0 s  t/f${11 - i}.test.ts`))
  assert.equal(once.at(-1), 'files with a failure: t/f3.test.ts')
  const thrice = summarize([...runs, ...runs.map(r => ({ ...r, passed: true })), ...runs], root, 3)
  assert.ok(thrice.includes('  1/3  t/f3.test.ts'), thrice.join('\n'))
  assert.ok(thrice.includes('  3/3  t/f0.test.ts'))
})

test('the unit tier: what imports @ripple/testing or lies in a stack tier\'s folder needs the stack; importing @ripple/stack alone does not', () => {
  const root = mkdtempSync(join(tmpdir(), 'ripple-tiers-'))
  const files: Record<string, string> = {
    'deploy/test/acls.test.ts': "import { deriveAcls } from '@ripple/stack'\n",
    'test/stack/cli.test.ts': "import { execa } from 'execa'\n",
    'services/a/test/app.test.ts': "import { helper } from './helper.ts'\n",
    'services/a/test/helper.ts': "export { startStack } from '@ripple/testing'\n",
    'services/a/test/fake.test.ts': "import { fakeClock } from '@ripple/testing/fakes'\n"
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  assert.deepEqual(unitTestFiles(root, ['deploy/test/acls.test.ts', 'test/stack/cli.test.ts', 'services/a/test/app.test.ts', 'services/a/test/fake.test.ts']), ['deploy/test/acls.test.ts', 'services/a/test/fake.test.ts'])
})
