import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { loadStackConfig } from '../src/config.ts'

// The rules Prometheus loads (stack/src/components/prometheus.ts) and their promtool unit tests.
const rulesDir = join(loadStackConfig({}).repoRoot, 'stack', 'prometheus', 'rules')
const ruleFiles = readdirSync(rulesDir).filter(f => f.endsWith('.rules.yml')).sort()
const testFiles = readdirSync(rulesDir).filter(f => f.endsWith('.test.yml')).sort()

const promtool = (cwd: string, ...args: string[]) => {
  const run = spawnSync('/usr/bin/promtool', args, { cwd, encoding: 'utf8' })
  if (run.error) throw new Error(`promtool (Debian's prometheus package) could not run: ${run.error.message}`)
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` }
}

interface Rule { alert: string, group: string, hasFor: boolean }
/** The alerting rules of a rules file, read by their `- alert:` lines (the file's own layout). */
const alerts = (text: string): Rule[] => text.split('\n').flatMap((line, i, lines) => {
  const name = /^\s*- alert: (\S+)$/.exec(line)?.[1]
  if (name === undefined) return []
  const group = lines.slice(0, i).findLast(l => /^ {2}- name: ripple-/.test(l))?.replace(/^ {2}- name: ripple-/, '') ?? ''
  const block = lines.slice(i + 1, i + 1 + lines.slice(i + 1).findIndex(l => /^\s*- (alert|record|name):/.test(l) || l === ''))
  return [{ alert: name, group, hasFor: block.some(l => /^\s+for: /.test(l)) }]
})

/** `text` with the alert's expression (one line or a `|` block) replaced, or its `for:` line dropped. */
function mutate (text: string, alert: string, change: { expr: string } | 'drop for'): string {
  const lines = text.split('\n')
  const start = lines.findIndex(l => l.trim() === `- alert: ${alert}`)
  assert.ok(start >= 0, alert)
  const indent = /^\s*/.exec(lines[start]!)![0].length + 2
  let end = start + 1
  while (end < lines.length && lines[end] !== '' && /^\s*/.exec(lines[end]!)![0].length >= indent) end++
  const body = lines.slice(start + 1, end)
  const field = (name: string) => body.findIndex(l => l.startsWith(`${' '.repeat(indent)}${name}:`))
  if (change === 'drop for') {
    const at = field('for')
    assert.ok(at >= 0, `${alert} has a for:`)
    body.splice(at, 1)
  } else {
    const at = field('expr')
    let stop = at + 1
    while (stop < body.length && /^\s*/.exec(body[stop]!)![0].length > indent) stop++
    body.splice(at, stop - at, `${' '.repeat(indent)}expr: ${change.expr}`)
  }
  return [...lines.slice(0, start + 1), ...body, ...lines.slice(end)].join('\n')
}

// Each mutation runs every promtool test against a copy of the folder with one rules file changed.
const copies: string[] = []
after(() => { for (const dir of copies) rmSync(dir, { recursive: true, force: true }) })
function testsPassWith (file: string, text: string, only = testFiles) {
  const dir = mkdtempSync(join(tmpdir(), 'ripple-rules-'))
  copies.push(dir)
  cpSync(rulesDir, dir, { recursive: true })
  writeFileSync(join(dir, file), text)
  return promtool(dir, 'test', 'rules', ...only)
}

test('the rule files are valid for Prometheus 2.42 (promtool check rules)', () => {
  assert.ok(ruleFiles.length > 0)
  const check = promtool(rulesDir, 'check', 'rules', ...ruleFiles)
  assert.ok(check.ok, check.output)
})

test('every rule group has its promtool unit test, and every test passes (promtool test rules)', () => {
  const groups = ruleFiles.flatMap(f => [...readFileSync(join(rulesDir, f), 'utf8').matchAll(/^ {2}- name: ripple-(\S+)$/gm)].map(m => m[1]!))
  assert.deepEqual(groups.sort(), testFiles.map(f => f.replace(/\.test\.yml$/, '')))
  const run = promtool(rulesDir, 'test', 'rules', ...testFiles)
  assert.ok(run.ok, run.output)
  assert.equal(run.output.match(/SUCCESS/g)?.length, testFiles.length, run.output)
})

test('the issue\'s alerts are all there, each with a severity, a summary and a description', () => {
  const text = ruleFiles.map(f => readFileSync(join(rulesDir, f), 'utf8')).join('\n')
  const names = ruleFiles.flatMap(f => alerts(readFileSync(join(rulesDir, f), 'utf8')).map(a => a.alert))
  for (const name of ['TargetDown', 'ConsumerLagGrowing', 'PipelineFreshnessOverObjective', 'ConnectorNotRunning', 'DebeziumBehindSource', 'UnderReplicatedPartitions', 'OfflinePartitions', 'NewDeadLetters', 'DiskAlmostFull']) {
    assert.ok(names.includes(name), name)
  }
  assert.equal(text.match(/^\s+severity: (critical|warning)$/gm)?.length, names.length)
  assert.equal(text.match(/^\s+summary: /gm)?.length, names.length)
  assert.equal(text.match(/^\s+description: /gm)?.length, names.length)
})

// The meta-tests: a test that cannot fail proves nothing. For every alert, an expression that
// never fires must break its firing case, and dropping its `for:` must break its pending case.
for (const file of ruleFiles) {
  const text = readFileSync(join(rulesDir, file), 'utf8')
  for (const { alert, group, hasFor } of alerts(text)) {
    test(`${alert}: its promtool test (${group}.test.yml) fails when the expression never fires${hasFor ? ' or when it fires at once' : ''}`, () => {
      const only = [`${group}.test.yml`]
      assert.ok(testFiles.includes(only[0]!), `${only[0]} exists`)
      assert.ok(!testsPassWith(file, mutate(text, alert, { expr: 'vector(1) > 2' }), only).ok, 'an alert that never fires passed')
      if (hasFor) assert.ok(!testsPassWith(file, mutate(text, alert, 'drop for'), only).ok, 'an alert without its for: passed')
    })
  }
}

test('a changed threshold or objective fails the tests: Debezium at 60 s, disk at 95 %, outbox\'s objective at 60 s', () => {
  const file = 'ripple.rules.yml'
  const text = readFileSync(join(rulesDir, file), 'utf8')
  const changes: [string, string][] = [
    ['millisecondsbehindsource{context="streaming"} > 30000', 'millisecondsbehindsource{context="streaming"} > 60000'],
    ['> 0.85', '> 0.95'],
    ['expr: vector(10)\n        labels:\n          pipeline: outbox', 'expr: vector(60)\n        labels:\n          pipeline: outbox']
  ]
  for (const [from, to] of changes) {
    assert.ok(text.includes(from), from)
    const run = testsPassWith(file, text.replace(from, to))
    assert.ok(!run.ok, `still passes with ${to}`)
    assert.match(run.output, /FAILED/)
  }
  // The mutation helper itself keeps a valid file: an unchanged expression still passes.
  assert.ok(testsPassWith(file, mutate(text, 'TargetDown', { expr: 'up == 0' })).ok)
})
