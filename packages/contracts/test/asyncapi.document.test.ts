// docs/asyncapi.yaml is a valid AsyncAPI 3.0 document, made from the catalogue, and the committed one is current.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { Parser } from '@asyncapi/parser'
import { asyncApiDocument, asyncApiYaml, CATALOGUE } from '../src/index.ts'

const root = resolve(import.meta.dirname, '..', '..', '..')

describe('the AsyncAPI document', () => {
  it('parses with @asyncapi/parser without errors or warnings', async () => {
    const { document, diagnostics } = await new Parser().parse(asyncApiYaml())
    // Severity 0 is an error, 1 a warning; 2 and 3 are hints (such as "3.1.0 exists").
    const problems = diagnostics.filter(d => d.severity <= 1).map(d => `${d.path.join('.')}: ${d.message}`)
    assert.deepEqual(problems, [])
    assert.ok(document)
    assert.equal(document.version(), '3.0.0')
    assert.deepEqual(document.channels().all().map(c => c.address()).sort(), CATALOGUE.map(t => t.name).sort())
    // notification-service reads the user changes and parks what it cannot mail in their DLQ.
    const notification = document.operations().all().filter(o => o.id()?.startsWith('notification-service.'))
    assert.deepEqual(notification.map(o => `${o.action()} ${o.channels().all()[0]?.address()}`).sort(), ['receive cdc.table.userdata.users', 'send cdc.table.userdata.users.dlq'])
  })

  it('has a channel per topic and an operation per producer and consumer group', () => {
    const doc = asyncApiDocument() as { channels: Record<string, unknown>, operations: Record<string, { action: string }> }
    assert.equal(Object.keys(doc.channels).length, CATALOGUE.length)
    const expected = CATALOGUE.reduce((n, t) => n + t.producers.length + t.consumers.length, 0)
    assert.equal(Object.keys(doc.operations).length, expected)
  })

  it('is what is committed as docs/asyncapi.yaml (./ripple contracts generate writes it)', () => {
    assert.equal(readFileSync(join(root, 'docs', 'asyncapi.yaml'), 'utf8'), asyncApiYaml())
  })
})
