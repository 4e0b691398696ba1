/**
 * Loaded (`node --import`) into every test process that the node:test runner for Stryker
 * (node-test.stryker-runner.ts) starts. Stryker's instrumented code counts in a global object
 * which mutants the code reached; this file arms its hit limit (a mutant that loops forever is
 * cut short) and, when the process ends, writes what was counted to the file the runner named.
 */
import { writeFileSync } from 'node:fs'
import { INSTRUMENTER_CONSTANTS } from '@stryker-mutator/api/core'

interface StrykerGlobal {
  mutantCoverage?: { static: Record<string, number>, perTest: Record<string, Record<string, number>> }
  hitCount?: number
  hitLimit?: number
}

const scope = globalThis as unknown as Record<string, StrykerGlobal | undefined>
const ns: StrykerGlobal = scope[INSTRUMENTER_CONSTANTS.NAMESPACE] ??= {}
const hitLimit = process.env.RIPPLE_STRYKER_HIT_LIMIT
if (hitLimit) { ns.hitCount = 0; ns.hitLimit = Number(hitLimit) }

const out = process.env.RIPPLE_STRYKER_OUT
if (out) {
  process.on('exit', () => {
    writeFileSync(out, JSON.stringify({ coverage: ns.mutantCoverage ?? null, hitCount: ns.hitCount ?? null }))
  })
}
