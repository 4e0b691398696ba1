// Every fenced `sh` block of README.md and docs/*.md runs on the real stack, twice in a row, and
// shows the outputs its `# → …` comments promise (the convention is in doc-blocks.ts). Twice,
// because a reader runs an example again: it must make its own names and leave nothing in the way.
import assert from 'node:assert/strict'
import { dirname } from 'node:path'
import { before, describe, it } from 'node:test'
import { execa } from 'execa'
import { componentStatus } from '@ripple/testing'
import { documentationBlocks, unmetExpectations } from './doc-blocks.ts'
import type { ShellBlock } from './doc-blocks.ts'

const repoRoot = new URL('../..', import.meta.url).pathname
const RUNS = 2
const BLOCK_TIMEOUT_MS = 180_000

async function runBlock (block: ShellBlock): Promise<{ exitCode: number | undefined, stdout: string, all: string }> {
  const result = await execa('bash', ['-c', `set -euo pipefail\n${block.source}`], {
    cwd: repoRoot,
    reject: false,
    all: true,
    timeout: BLOCK_TIMEOUT_MS,
    // `node` in an example is the Node `./ripple` brought (the system's may be older).
    env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` }
  })
  return { exitCode: result.exitCode, stdout: result.stdout, all: result.all }
}

describe('the documentation examples run on the stack', () => {
  before(async () => {
    const down = (await componentStatus()).filter(c => !c.healthy).map(c => `${c.name}${c.reason ? ` (${c.reason})` : ''}`)
    assert.deepEqual(down, [], 'every component healthy before the examples run')
  })

  for (const block of documentationBlocks(repoRoot)) {
    it(`${block.file}:${block.line} runs twice in a row${block.expectations.length > 0 ? ` and shows ${block.expectations.map(e => e.text).join(', ')}` : ''}`, async () => {
      for (let run = 1; run <= RUNS; run++) {
        const { exitCode, stdout, all } = await runBlock(block)
        assert.equal(exitCode, 0, `${block.file}:${block.line}, run ${run}, exited ${exitCode}:\n${all}`)
        const unmet = unmetExpectations(stdout, block.expectations)
        assert.deepEqual(unmet.map(e => `${block.file}:${e.line} → ${e.text}`), [], `run ${run}, standard output:\n${stdout}`)
      }
    })
  }
})
