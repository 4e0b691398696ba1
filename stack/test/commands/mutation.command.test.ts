import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { mutationScore, strykerConfig } from '../../src/commands/mutation.command.ts'

describe('mutation testing settings', () => {
  const plan = { mutate: ['packages/kit/src/a.ts'], tests: ['packages/kit/test/a.test.ts'] }

  it('runs one test process unless asked for more (--concurrency N)', () => {
    assert.equal(strykerConfig(plan).concurrency, 1)
    assert.equal(strykerConfig(plan, 2).concurrency, 2)
    assert.deepEqual(strykerConfig(plan).mutate, plan.mutate)
    assert.deepEqual(strykerConfig(plan).nodeTest, { testFiles: plan.tests })
  })

  it('scores killed and timed-out mutants over all that compiled', () => {
    const files = { 'a.ts': { mutants: ['Killed', 'Timeout', 'Survived', 'NoCoverage', 'CompileError', 'Ignored'].map(status => ({ status })) } }
    assert.equal(mutationScore({ files }), 50)
    assert.equal(mutationScore({ files: {} }), 0)
  })
})
