import assert from 'node:assert/strict'
import { test } from 'node:test'
import { groupExists, isGroupNotFound, planReset } from '../../src/kafka/kafka.operations.ts'
import type { ResetInputs } from '../../src/kafka/kafka.operations.ts'

// Three partitions: one committed mid-way, one never committed, one whose old records were deleted.
const inputs: ResetInputs = { committed: [5n, null, 12n], earliest: [0n, 0n, 10n], latest: [9n, 4n, 20n] }
const news = (plan: { offset: string }[]) => plan.map(s => s.offset)

test('a reset plan keeps each partition\'s committed offset beside where it moves', () => {
  assert.deepEqual(planReset({ to: 'earliest' }, inputs), [
    { partition: 0, current: '5', offset: '0' },
    { partition: 1, current: null, offset: '0' },
    { partition: 2, current: '12', offset: '10' }
  ])
  assert.deepEqual(news(planReset({ to: 'latest' }, inputs)), ['9', '4', '20'])
})

test('--to-offset and --shift-by stay within the records held, as Kafka\'s tool does', () => {
  assert.deepEqual(news(planReset({ to: 'offset', offset: 7n }, inputs)), ['7', '4', '10'])
  assert.deepEqual(news(planReset({ to: 'shift', by: -3n }, { ...inputs, committed: [5n, 2n, 12n] })), ['2', '0', '10'])
  assert.deepEqual(news(planReset({ to: 'shift', by: 6n }, { ...inputs, committed: [5n, 2n, 12n] })), ['9', '4', '18'])
})

test('a shift needs a committed offset on every partition to shift from', () => {
  assert.throws(() => planReset({ to: 'shift', by: 1n }, inputs), /Partition 1 has no committed offset to shift from/)
})

test('--to-datetime goes to the first record at or after it, or to the end where there is none', () => {
  assert.deepEqual(news(planReset({ to: 'datetime', at: new Date(0) }, { ...inputs, atTime: [3n, -1n, 15n] })), ['3', '4', '15'])
})

test('a group the broker answers as Dead does not exist, whatever the case of the state', () => {
  assert.equal(groupExists({ state: 'Dead' }), false)
  assert.equal(groupExists({ state: 'DEAD' }), false)
  assert.equal(groupExists(undefined), false)
  assert.equal(groupExists({ state: 'Empty' }), true)
  assert.equal(groupExists({ state: 'Stable' }), true)
})

test('a GROUP_ID_NOT_FOUND answer, however deep among the client\'s errors, means no such group', () => {
  assert.equal(isGroupNotFound({ message: 'x', errors: [{ errors: [{ apiId: 'GROUP_ID_NOT_FOUND' }] }] }), true)
  assert.equal(isGroupNotFound({ errors: [{ apiId: 'COORDINATOR_NOT_AVAILABLE' }] }), false)
  assert.equal(isGroupNotFound(new Error('network')), false)
})
