// What validate-before-send costs on the jobs and outbox paths: each producer's encoder through
// the topic's contract (zod check, then JSON.stringify) beside plain JSON.stringify of the same
// value, the ceiling it cannot beat, measured in the same run. Also each consumer's decoder beside
// plain JSON.parse, for scale. Stack-free: CPU only, one core.
//   node bench/codecs/codecs.bench.ts [--records 50000] [--rounds 3] [--data-size 1024]
import { randomUUID } from 'node:crypto'
import {
  decodeJobDone, decodeJobRecord, decodeOutboxRecord, encodeJobDone, encodeJobRecord, encodePostgresJobRecord,
  makeJobDone, makeJobRecord, outboxRecord, postCreatedEvent
} from '@ripple/contracts'
import { benchOptions } from '../support/args.ts'
import { fmt, printTable } from '../support/report.ts'

// data-size: bytes of a job's payload before hex, as jobs.bench.ts sends (the receiver stores it as hex).
const args = benchOptions({ records: 50_000, rounds: 3, 'data-size': 1024 })
const { records, rounds } = args

const createDate = '2024-01-27T12:34:50.594423357Z'
const finishDate = '2024-01-27T12:34:50.704464721Z'
const data = 'ab'.repeat(args['data-size'])
const jobs = Array.from({ length: records }, () => ({ id: randomUUID(), createDate, sleep: 100, data }))
const dones = jobs.map(j => ({ id: j.id, createDate, finishDate }))
const rows = jobs.map(j => ({
  schema: { type: 'struct', fields: [{ type: 'string', optional: false, field: 'id' }, { type: 'string', optional: false, field: 'status' }, { type: 'int64', optional: false, field: 'create_date' }, { type: 'int64', optional: false, field: 'finish_date' }] },
  payload: { id: j.id, status: 'finish' as const, create_date: 1706358890, finish_date: 1706358890 }
}))
const posts = jobs.map((j, i) => ({ id: i + 1, authorId: j.id, title: `Post ${i}`, content: 'A post of a few hundred characters. '.repeat(8), createdAt: new Date(1_767_225_600_000 + i) }))
// postCreatedEvent encodes through the contract; its plain twin builds the same payload and stringifies it.
const plainPayload = (p: typeof posts[number]) => JSON.stringify({ id: p.id, authorId: p.authorId, title: p.title, content: p.content, createdAt: p.createdAt.toISOString() })

const asMessage = (value: string, key: string, headers: Record<string, string> = {}) => ({ key: Buffer.from(key), value: Buffer.from(value), headers: new Map(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])) })
const jobMessages = jobs.map(j => asMessage(encodeJobRecord(j), j.id))
const doneMessages = dones.map(d => asMessage(encodeJobDone(d), d.id))
const postMessages = posts.map((p, i) => { const r = outboxRecord(postCreatedEvent(p, jobs[i]!.id)); return asMessage(r.value, r.key, r.headers) })

interface Case { path: string, plain: (i: number) => unknown, contract: (i: number) => unknown }

const cases: Case[] = [
  { path: 'receiver → receiver-topic (encode)', plain: i => JSON.stringify(makeJobRecord(jobs[i]!)), contract: i => encodeJobRecord(jobs[i]!) },
  { path: 'processor → processor-topic (encode)', plain: i => JSON.stringify(makeJobDone(dones[i]!)), contract: i => encodeJobDone(dones[i]!) },
  { path: 'converter → postgres-topic (encode)', plain: i => JSON.stringify(rows[i]!), contract: i => encodePostgresJobRecord(rows[i]!) },
  { path: 'post-service → outbox row (encode)', plain: i => plainPayload(posts[i]!), contract: i => postCreatedEvent(posts[i]!, jobs[i]!.id) },
  { path: 'processor ← receiver-topic (decode)', plain: i => JSON.parse(jobMessages[i]!.value.toString('utf8')), contract: i => decodeJobRecord(jobMessages[i]!) },
  { path: 'converter ← processor-topic (decode)', plain: i => JSON.parse(doneMessages[i]!.value.toString('utf8')), contract: i => decodeJobDone(doneMessages[i]!) },
  { path: 'subscribe-service ← outbox (decode)', plain: i => JSON.parse(postMessages[i]!.value.toString('utf8')), contract: i => decodeOutboxRecord(postMessages[i]!) }
]

let sink = 0
/** ns per record over every record once. */
function timed (fn: (i: number) => unknown): number {
  const start = process.hrtime.bigint()
  for (let i = 0; i < records; i++) if (fn(i) !== undefined) sink++
  return Number(process.hrtime.bigint() - start) / records
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const table = [['path', 'JSON only ns/rec', 'contract ns/rec', 'added ns/rec', 'ratio']]
for (const c of cases) {
  // One untimed pass each so the JIT has settled; then the two alternate, round by round, so a
  // neighbour's burst on this shared machine falls on both.
  timed(c.plain)
  timed(c.contract)
  const plain: number[] = []
  const contract: number[] = []
  for (let r = 0; r < rounds; r++) {
    plain.push(timed(c.plain))
    contract.push(timed(c.contract))
  }
  const p = median(plain)
  const k = median(contract)
  table.push([c.path, fmt(p), fmt(k), fmt(k - p), `${(k / p).toFixed(1)}×`])
  console.log(`RESULT ${JSON.stringify({ path: c.path, plainNs: Math.round(p), contractNs: Math.round(k), records, rounds, dataSize: args['data-size'] })}`)
}
printTable(table)
if (sink === 0) console.error('nothing was encoded')
