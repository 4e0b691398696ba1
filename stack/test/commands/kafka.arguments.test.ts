import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { consumeHint, resetTargetOf, version } from '../../src/commands/kafka.arguments.ts'

test('group reset takes exactly one target, each parsed', () => {
  assert.deepEqual(resetTargetOf({ toEarliest: true }), { to: 'earliest' })
  assert.deepEqual(resetTargetOf({ toLatest: true }), { to: 'latest' })
  assert.deepEqual(resetTargetOf({ toOffset: '42' }), { to: 'offset', offset: 42n })
  assert.deepEqual(resetTargetOf({ shiftBy: '-10' }), { to: 'shift', by: -10n })
  assert.deepEqual(resetTargetOf({ shiftBy: '+3' }), { to: 'shift', by: 3n })
  assert.deepEqual(resetTargetOf({ toDatetime: '2026-11-30T12:00:00Z' }), { to: 'datetime', at: new Date('2026-11-30T12:00:00Z') })
  assert.throws(() => resetTargetOf({}), /Say where to move the offsets, once/)
  assert.throws(() => resetTargetOf({ toEarliest: true, shiftBy: '1' }), /Say where to move the offsets, once/)
  assert.throws(() => resetTargetOf({ toOffset: '-1' }), /--to-offset takes an offset/)
  assert.throws(() => resetTargetOf({ shiftBy: 'ten' }), /--shift-by takes a whole number/)
  assert.throws(() => resetTargetOf({ toDatetime: 'yesterday' }), /--to-datetime takes an ISO 8601 time/)
})

test('consume with no start flag and nothing new says how to read what is there', () => {
  assert.match(consumeHint('t', 0, {}) ?? '', /--from-beginning.*--follow/)
  assert.equal(consumeHint('t', 1, {}), undefined)
  assert.equal(consumeHint('t', 0, { fromBeginning: true }), undefined)
  assert.equal(consumeHint('t', 0, { group: 'g' }), undefined)
  assert.equal(consumeHint('t', 0, { since: '1h' }), undefined)
})

test('the version is the root package.json\'s', () => {
  const root = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  assert.equal(version(), root.version)
})
