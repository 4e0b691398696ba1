import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { after, describe, test } from 'node:test'
import { execa } from 'execa'
import { endpoints, loadStackConfig } from '@ripple/stack'
import { applyConnector, connectorState, deleteConnector, waitForConnector } from '@ripple/operations'
import { callJson, deleteTopics, eventually, throwawayJdbcSink, unique } from '@ripple/testing'

const config = loadStackConfig()
const ripple = join(config.repoRoot, 'ripple')
const userServiceUrl = `http://${config.host}:${config.ports.userService}`
const kafka = async (args: string[], input?: string) => (await execa(ripple, ['kafka', ...args], input === undefined ? {} : { input })).stdout
const json = async <T>(args: string[], input?: string): Promise<T> => JSON.parse(await kafka([...args, '--json'], input)) as T
const lines = <T>(text: string): T[] => text.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as T)

interface Topic { name: string, partitions: number, replication: number, messages: string, endOffsets: string[] }
interface Described { partitions: { partition: number, leader: number, replicas: number[], isr: number[], startOffset: string, endOffset: string }[] }
interface Record { partition: number, offset: string, key: string | null, headers: { [k: string]: string }, value: string | null, change?: { op: string, before: unknown, after: unknown, source: { [k: string]: unknown } } }
interface Group { state: string, members: { id: string }[], offsets: { partition: number, committed: string | null, end: string, lag: string | null }[] }

const topic = unique('it.toolkit.')
const group = unique('it-toolkit-group-')
after(() => deleteTopics([topic]))

describe('./ripple kafka', () => {
  test('topic create, produce with a key and headers, and consume from the beginning, an offset or a count', async () => {
    await kafka(['topic', 'create', topic, '--partitions', '6'])
    const listed = (await json<Topic[]>(['topics'])).find(t => t.name === topic)
    assert.equal(listed?.partitions, 6)
    assert.equal(listed?.replication, 1)

    // A transfer and its reversal for one account: one key, so one partition, in order.
    assert.deepEqual(await json(['produce', topic, '--key', 'account-7'], ''), { count: 0 }, 'no input, nothing sent')
    await kafka(['produce', topic, '--key', 'account-7', '--header', 'trace=t-1', '--header', 'kind=a=b'], 'transfer 100\nreversal 100\n')
    await kafka(['produce', topic, '--key', 'account-9', '--value', 'transfer 5'])

    const all = lines<Record>(await kafka(['consume', topic, '--from-beginning', '--json']))
    assert.equal(all.length, 3)
    const account7 = all.filter(r => r.key === 'account-7')
    assert.deepEqual(account7.map(r => r.value), ['transfer 100', 'reversal 100'], 'same key: consumed in the order produced')
    assert.equal(new Set(account7.map(r => r.partition)).size, 1)
    assert.deepEqual(account7[0]!.headers, { trace: 't-1', kind: 'a=b' })

    const described = await json<Described>(['topic', 'describe', topic])
    assert.equal(described.partitions.length, 6)
    assert.equal(described.partitions.reduce((sum, p) => sum + Number(p.endOffset), 0), 3)
    const p = account7[0]!.partition
    const fromOffset = lines<Record>(await kafka(['consume', topic, '--offset', `${p}:1`, '--json']))
    assert.deepEqual(fromOffset.map(r => r.value), ['reversal 100'], 'only that partition, from that offset')
    assert.equal(lines<Record>(await kafka(['consume', topic, '--from-beginning', '--max', '1', '--json'])).length, 1)
    assert.equal(lines<Record>(await kafka(['consume', topic, '--since', '10m', '--json'])).length, 3)
  })

  test('a group consumes and commits exactly what it printed; describe shows lag; reset is refused while it has a member', async () => {
    const first = lines<Record>(await kafka(['consume', topic, '--group', group, '--max', '1', '--json']))
    // A new group starts at the end (as Kafka's console consumer): nothing yet.
    assert.equal(first.length, 0)
    await kafka(['group', 'reset', group, '--topic', topic, '--to-earliest'])
    assert.equal(lines<Record>(await kafka(['consume', topic, '--group', group, '--max', '2', '--json'])).length, 2)
    let described = await json<Group>(['group', 'describe', group])
    assert.equal(described.offsets.reduce((sum, o) => sum + Number(o.lag ?? 0), 0), 1, 'one record left for the group')
    assert.equal(lines<Record>(await kafka(['consume', topic, '--group', group, '--json'])).length, 1, 'the rest, not what was printed before')

    const follower = execa(ripple, ['kafka', 'consume', topic, '--group', group, '--follow'], { reject: false })
    try {
      for (let i = 0; i < 60; i++) {
        described = await json<Group>(['group', 'describe', group])
        if (described.members.length > 0) break
        await delay(500)
      }
      assert.equal(described.members.length, 1, 'the follower joined')
      const refused = await execa(ripple, ['kafka', 'group', 'reset', group, '--topic', topic, '--to-latest'], { reject: false })
      assert.equal(refused.exitCode, 1)
      assert.match(refused.stderr, /has 1 member\(s\).*stop its consumers first/)
    } finally {
      follower.kill('SIGINT')
      await follower
    }
    const reset = await json<{ partition: number, offset: string }[]>(['group', 'reset', group, '--topic', topic, '--to-datetime', '2000-01-01T00:00:00Z'])
    assert.equal(reset.length, 6)
    assert.equal(lines<Record>(await kafka(['consume', topic, '--group', group, '--json'])).length, 3, 'back to the first record at or after that time')
  })

  test('Debezium change events are decoded: operation, before → after, where in the binlog', async () => {
    // A change of its own: other tests leave poison records on this topic on purpose (dlq-replay).
    const tag = randomBytes(5).toString('hex')
    const created = await callJson(`${userServiceUrl}/users`, 'POST', { username: `toolkit-${tag}`, email: `toolkit-${tag}@example.test`, password: 'toolkit-password', fullName: 'Toolkit' })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const mine = await eventually(async () => {
      const records = lines<Record>(await kafka(['consume', 'cdc.table.userdata.users', '--since', '10m', '--json']))
      const found = records.find(r => (r.change?.after as { username?: string } | null)?.username === `toolkit-${tag}`)
      assert.ok(found, 'the create reached the topic')
      return found
    }, 120_000, 500)
    assert.equal(mine.change?.op, 'create')
    assert.equal(mine.change?.before, null)
    assert.equal(mine.change?.source.table, 'users')
    assert.ok(mine.change?.source.file !== undefined && mine.change.source.pos !== undefined, 'the binlog position')
    assert.ok(!JSON.stringify(mine.change?.after).includes('toolkit-password'), 'no password, as the connector excludes it')
  })

  test('bad input stops with one sentence that says what to do', async () => {
    const cases: [string[], RegExp][] = [
      [['topic', 'describe', unique('it.toolkit.missing.')], /There is no topic .*: see \.\/ripple kafka topics\./],
      [['consume', topic, '--from-beginning', '--since', '5m'], /Say where to start once/],
      [['consume', topic, '--since', 'yesterday'], /--since takes a number and a unit/],
      [['consume', topic, '--offset', '99:0'], /--offset is PARTITION:OFFSET with a partition below 6/],
      [['produce', topic, '--header', 'novalue', '--value', 'x'], /A header is key=value/],
      [['group', 'reset', group, '--topic', topic], /Say where to move the offsets, once/],
      [['connector', 'pause', 'no-such-connector'], /There is no connector "no-such-connector": name one of .*postgres-connector/]
    ]
    for (const [args, message] of cases) {
      const run = await execa(ripple, ['kafka', ...args], { reject: false })
      assert.equal(run.exitCode, 1, args.join(' '))
      assert.match(run.stderr, message, args.join(' '))
    }
  })

  test('connector pause, resume and restart act on a connector of its own', async () => {
    const { connect } = endpoints(config)
    const name = unique('it-toolkit-sink-')
    const sinkTopic = unique('it.toolkit.sink.')
    await applyConnector(connect, {
      name,
      config: throwawayJdbcSink(sinkTopic, { 'insert.mode': 'upsert', 'primary.key.mode': 'record_key' })
    })
    try {
      await waitForConnector(connect, name)
      const states = async (state: string) => {
        for (let i = 0; i < 60; i++) {
          const s = await connectorState(connect, name)
          if (s?.state === state && s.tasks.every(t => t.state === state)) return s
          await delay(500)
        }
        return await connectorState(connect, name)
      }
      await kafka(['connector', 'pause', name])
      assert.equal((await states('PAUSED'))?.state, 'PAUSED')
      await kafka(['connector', 'resume', name])
      assert.equal((await states('RUNNING'))?.state, 'RUNNING')
      const restarted = await json<{ name: string }>(['connector', 'restart', name])
      assert.equal(restarted.name, name)
      assert.equal((await states('RUNNING'))?.state, 'RUNNING')
    } finally {
      await deleteConnector(connect, name)
      await deleteTopics([sinkTopic])
    }
  })
})
