// `./ripple contracts check` must be able to fail: each kind of BACKWARD break is made on a copy of
// receiver-topic's schema in a scratch repository, released from the real catalogue.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, beforeEach, describe, it } from 'node:test'
import { z } from 'zod'
import { CATALOGUE, jobRecordSchema, receiverTopic } from '@ripple/contracts'
import type { TopicContract } from '@ripple/contracts'
import { checkContracts, generateContracts } from '../../src/commands/contracts.command.ts'

const scratch = mkdtempSync(join(tmpdir(), 'ripple-contracts-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

/** The catalogue with receiver-topic's value schema replaced. */
const withReceiverValue = (schema: z.ZodType): TopicContract[] =>
  CATALOGUE.map(t => t.name === receiverTopic.name ? { ...receiverTopic, value: { ...receiverTopic.value, schema } } : t)

function run (action: typeof checkContracts, topics?: readonly TopicContract[]): { code: number, output: string } {
  const lines: string[] = []
  const code = action({ root: scratch, topics, log: line => lines.push(line) })
  return { code, output: lines.join('\n') }
}

describe('./ripple contracts check', () => {
  beforeEach(() => {
    rmSync(scratch, { recursive: true, force: true })
    mkdirSync(scratch)
    assert.equal(run(generateContracts).code, 0)
  })

  it('passes on the catalogue as released, and fails once docs/asyncapi.yaml is stale', () => {
    assert.equal(run(checkContracts).code, 0)
    writeFileSync(join(scratch, 'docs', 'asyncapi.yaml'), 'asyncapi: 3.0.0\n')
    const { code, output } = run(checkContracts)
    assert.equal(code, 1)
    assert.match(output, /docs\/asyncapi\.yaml is stale/)
  })

  const breaks: { kind: string, schema: z.ZodType, field: string, consumers: string[], spared?: string }[] = [
    { kind: 'removed', schema: jobRecordSchema.omit({ data: true }), field: 'value.data', consumers: ['processor (group processor)'], spared: 'informer' },
    { kind: 'renamed', schema: jobRecordSchema.omit({ create_date: true }).extend({ created: jobRecordSchema.shape.create_date }), field: 'value.create_date', consumers: ['processor (group processor)', 'informer (group informer)'] },
    { kind: 'type-changed', schema: jobRecordSchema.extend({ sleep: z.string() }), field: 'value.sleep', consumers: ['processor (group processor)'] },
    { kind: 'required-added', schema: jobRecordSchema.extend({ priority: z.number().int() }), field: 'value.priority', consumers: ['processor (group processor)'] },
    { kind: 'narrowed', schema: jobRecordSchema.extend({ data: z.string().max(64) }), field: 'value.data', consumers: ['processor (group processor)'], spared: 'informer' }
  ]
  for (const b of breaks) {
    it(`fails on a ${b.kind} field, naming the consumers it breaks, and generate will not release it`, () => {
      const topics = withReceiverValue(b.schema)
      const checked = run(checkContracts, topics)
      assert.equal(checked.code, 1, checked.output)
      assert.match(checked.output, /receiver-topic: BACKWARD-incompatible/)
      const line = checked.output.split('\n').find(l => l.includes(`BREAKS ${b.field}:`))
      assert.ok(line, `a line on ${b.field} in:\n${checked.output}`)
      for (const consumer of b.consumers) assert.ok(line.includes(consumer), `${consumer} named in: ${line}`)
      if (b.spared) assert.ok(!line.includes(b.spared), `${b.spared} does not read ${b.field}: ${line}`)
      const generated = run(generateContracts, topics)
      assert.equal(generated.code, 1)
      assert.equal(run(checkContracts, topics).code, 1, 'still refused after generate')
    })
  }

  it('takes a new optional field (or one with a default) once generate has released it', () => {
    const topics = withReceiverValue(jobRecordSchema.extend({ priority: z.number().int().optional(), queue: z.string().default('main') }))
    const stale = run(checkContracts, topics)
    assert.equal(stale.code, 1)
    assert.match(stale.output, /receiver-topic: compatible, not yet released/)
    assert.doesNotMatch(stale.output, /BREAKS/)
    assert.equal(run(generateContracts, topics).code, 0)
    assert.equal(run(checkContracts, topics).code, 0)
  })

  it('lets a break through when contracts/overrides.json gives a reason', () => {
    const topics = withReceiverValue(jobRecordSchema.omit({ data: true }))
    writeFileSync(join(scratch, 'contracts', 'overrides.json'), JSON.stringify([{ topic: 'receiver-topic', reason: 'nobody reads data' }]))
    const generated = run(generateContracts, topics)
    assert.equal(generated.code, 0, generated.output)
    assert.match(generated.output, /let through by contracts\/overrides\.json \(nobody reads data\)/)
    assert.equal(run(checkContracts, topics).code, 0)
  })

  it('fails when a topic its consumers read leaves the catalogue', () => {
    const { code, output } = run(checkContracts, CATALOGUE.filter(t => t.name !== receiverTopic.name))
    assert.equal(code, 1)
    assert.match(output, /receiver-topic: topic removed from the catalogue; consumers affected: processor \(group processor\), informer \(group informer\)/)
  })
})
