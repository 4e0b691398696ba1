import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { statementBatcher } from '../../src/batching/statement.batcher.ts'

interface Row { id: string, value: number }

/** A statement that doubles each row's value and records the batches it was given; it waits for `release` when one is set. */
function fakeStatement () {
  const batches: string[][] = []
  let gate: Promise<void> | undefined
  let open = () => {}
  return {
    batches,
    hold () { gate = new Promise(resolve => { open = resolve }) },
    release () { gate = undefined; open() },
    async run (rows: Row[]) {
      batches.push(rows.map(r => `${r.id}:${r.value}`))
      if (gate) await gate
      if (rows.some(r => r.value < 0)) throw new Error('refused a negative value')
      return rows.map(r => r.value * 2)
    }
  }
}

describe('statementBatcher', () => {
  it('calls made together share one statement, and each caller gets its own row\'s answer', async () => {
    const statement = fakeStatement()
    const call = statementBatcher((rows: Row[]) => statement.run(rows), r => r.id)
    const answers = await Promise.all([1, 2, 3, 4].map(value => call({ id: `r${value}`, value })))
    assert.deepEqual(answers, [2, 4, 6, 8])
    assert.deepEqual(statement.batches, [['r1:1', 'r2:2', 'r3:3', 'r4:4']])
  })

  it('calls made while the statements allowed in flight run wait for one and go out together as the next', async () => {
    const statement = fakeStatement()
    const call = statementBatcher((rows: Row[]) => statement.run(rows), r => r.id, { maxInFlight: 1 })
    statement.hold()
    const first = call({ id: 'a', value: 1 })
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(statement.batches, [['a:1']])
    const later = [call({ id: 'b', value: 2 }), call({ id: 'c', value: 3 })]
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(statement.batches, [['a:1']], 'nothing else goes out while the first statement runs')
    statement.release()
    assert.deepEqual(await Promise.all([first, ...later]), [2, 4, 6])
    assert.deepEqual(statement.batches, [['a:1'], ['b:2', 'c:3']])
  })

  it('up to maxInFlight statements run at once', async () => {
    const statement = fakeStatement()
    const call = statementBatcher((rows: Row[]) => statement.run(rows), r => r.id, { maxInFlight: 2 })
    statement.hold()
    const tick = () => new Promise(resolve => setImmediate(resolve))
    const calls = [call({ id: 'a', value: 1 })]
    await tick()
    calls.push(call({ id: 'b', value: 2 }))
    await tick()
    calls.push(call({ id: 'c', value: 3 }), call({ id: 'd', value: 4 }))
    await tick()
    assert.deepEqual(statement.batches, [['a:1'], ['b:2']], 'two run, the third waits')
    statement.release()
    assert.deepEqual(await Promise.all(calls), [2, 4, 6, 8])
    assert.deepEqual(statement.batches, [['a:1'], ['b:2'], ['c:3', 'd:4']])
  })

  it('a failed statement fails every caller of its batch, and only them', async () => {
    const statement = fakeStatement()
    const call = statementBatcher((rows: Row[]) => statement.run(rows), r => r.id)
    const results = await Promise.allSettled([call({ id: 'a', value: 1 }), call({ id: 'b', value: -1 }), call({ id: 'c', value: 3 })])
    assert.deepEqual(results.map(r => r.status === 'rejected' ? (r.reason as Error).message : r.value), ['refused a negative value', 'refused a negative value', 'refused a negative value'])
    assert.equal(await call({ id: 'a', value: 1 }), 2, 'the next batch is not affected')
  })

  it('two calls for the same row never share a statement: the repeat goes out after it, in call order', async () => {
    const statement = fakeStatement()
    const call = statementBatcher((rows: Row[]) => statement.run(rows), r => r.id)
    const answers = await Promise.all([call({ id: 'a', value: 1 }), call({ id: 'b', value: 2 }), call({ id: 'a', value: 5 })])
    assert.deepEqual(answers, [2, 4, 10])
    assert.deepEqual(statement.batches, [['a:1', 'b:2'], ['a:5']])
  })

  it('refuses an answer that does not have one value per row', async () => {
    const call = statementBatcher(async (rows: Row[]) => rows.slice(1).map(r => r.value), r => r.id)
    await assert.rejects(Promise.all([call({ id: 'a', value: 1 }), call({ id: 'b', value: 2 })]), /answered 1 rows for 2/)
  })

  it('never answers a call from an earlier one: the same row object called twice runs twice', async () => {
    const statement = fakeStatement()
    const call = statementBatcher((rows: Row[]) => statement.run(rows), r => r.id)
    const row = { id: 'a', value: 1 }
    assert.equal(await call(row), 2)
    row.value = 4
    assert.equal(await call(row), 8)
    assert.deepEqual(statement.batches, [['a:1'], ['a:4']])
  })

  it('puts at most 500 rows in a statement unless told otherwise', async () => {
    const statement = fakeStatement()
    const call = statementBatcher((rows: Row[]) => statement.run(rows), r => r.id)
    await Promise.all(Array.from({ length: 501 }, (_, i) => call({ id: `r${i}`, value: i })))
    assert.deepEqual(statement.batches.map(b => b.length), [500, 1])
  })

  it('counts full batches waiting for their turn against maxInFlight', async () => {
    const statement = fakeStatement()
    const call = statementBatcher((rows: Row[]) => statement.run(rows), r => r.id, { maxInFlight: 2, maxBatchSize: 1 })
    statement.hold()
    const tick = () => new Promise(resolve => setImmediate(resolve))
    const calls = [call({ id: 'a', value: 0 })]
    await tick()
    calls.push(call({ id: 'b', value: 1 }))
    await tick()
    // Two batches of one row each, made while two statements run: both wait.
    calls.push(call({ id: 'c', value: 2 }), call({ id: 'd', value: 3 }))
    for (let i = 0; i < 3; i++) await tick()
    assert.deepEqual(statement.batches, [['a:0'], ['b:1']], 'two run, two wait')
    statement.release()
    assert.deepEqual(await Promise.all(calls), [0, 2, 4, 6])
    assert.equal(statement.batches.length, 4)
  })
})
