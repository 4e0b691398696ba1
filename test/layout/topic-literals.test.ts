// No service names a topic itself: each reads it from @ripple/contracts' catalogue.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, describe, it } from 'node:test'
import { servicesDir } from './service-layout.ts'
import { topicLiterals } from './topic-literals.ts'

const root = resolve(import.meta.dirname, '..', '..')

describe('topic names', () => {
  it('no service names a topic in a string literal: they come from the catalogue', () => {
    assert.deepEqual(topicLiterals(servicesDir, root).filter(f => f.split('/')[2] === 'src'), [])
  })

  const dir = mkdtempSync(join(tmpdir(), 'ripple-topics-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('finds a catalogue topic, a dead-letter topic and an outbox route spelled out, not one in a comment or a name that only looks alike', () => {
    writeFileSync(join(dir, 'config.ts'), [
      "  TOPIC: z.string().default('receiver-topic'),",
      '  DLQ: "carga_topic.dlq",',
      '  OUT: `outbox.event.comment`,',
      "  // reads 'processor-topic'",
      "  GROUP_ID: z.string().default('processor'),",
      '  OK: `${PREFIX}post`'
    ].join('\n'))
    const found = topicLiterals(dir, dir)
    assert.deepEqual(found, ["config.ts:1: 'receiver-topic'", "config.ts:2: 'carga_topic.dlq'", "config.ts:3: 'outbox.event.comment'"])
  })
})
