import type { FastifyInstance } from 'fastify'
import { html } from 'ghtml'
import { z } from 'zod'
import { parseInput } from '@ripple/kit'
import { listDeadLetters, replayDeadLetters, listTopics } from '@ripple/operations'
import type { DeadLetter } from '@ripple/operations'
import type { ConsoleDeps } from '../console.deps.ts'
import { action, cell, csrfOf, enc, htmlCell, json, link, page, table } from './layout.ts'

const replayForm = z.object({
  partition: z.coerce.number().int().min(0),
  offset: z.string().regex(/^\d+$/, 'is a record offset')
}).strict()

const origin = (d: DeadLetter) => d.originalTopic ? `${d.originalTopic}:${d.originalPartition ?? '?'}:${d.originalOffset ?? '?'}` : ''

export function deadLettersPages (app: FastifyInstance, deps: ConsoleDeps): void {
  app.get('/dlq', async (req, reply) => {
    const topics = (await listTopics(deps.config)).filter(t => t.name.endsWith('.dlq'))
    const body = html`<p>Every <code>*.dlq</code> topic: what a consumer or a connector could not handle, with the reason in its headers.</p>` +
      table(['dead-letter topic', 'entries'], topics.map(t => [htmlCell(link(`/dlq/${enc(t.name)}`, t.name)), cell(t.messages, 'num')]))
    return reply.type('text/html; charset=utf-8').send(page('Dead letters', '/dlq', body, csrfOf(req, reply)))
  })

  app.get<{ Params: { topic: string }, Querystring: { show?: string } }>('/dlq/:topic', async (req, reply) => {
    const topic = req.params.topic
    const all = await listDeadLetters(deps.config, topic)
    const showAll = req.query.show === 'all'
    const letters = (showAll ? all : all.filter(d => !d.replayedAt)).slice(-200).reverse()
    const pending = all.filter(d => !d.replayedAt).length
    const base = `/dlq/${enc(topic)}`
    const csrf = reply.generateCsrf()
    const body = html`<p><strong data-testid="pending">${pending}</strong> pending, ${all.length - pending} replayed. ` +
      (showAll ? html`<a href="${base}">Show pending only</a>` : html`<a href="${base}?show=all">Show replayed too</a>`) + '</p>' +
      table(['entry', 'parked at', 'key', 'from', 'reason', 'state', ''], letters.map(d => [
        cell(`${d.partition}:${d.offset}`), cell(d.time), cell(d.key ?? ''), cell(origin(d)), cell(`${d.errorCode ?? ''} ${d.reason ?? ''}`.trim()),
        cell(d.replayedAt ? `replayed ${d.replayedAt}` : 'pending'),
        htmlCell((d.replayedAt || !d.originalTopic ? '' : action(csrf, `${base}/replay`, 'replay', { partition: String(d.partition), offset: d.offset })) +
          html`<details><summary>headers and value</summary>!${json(d.headers)}!${json(d.value ?? '(null)')}</details>`)
      ]))
    return reply.type('text/html; charset=utf-8').send(page(`Dead letters: ${topic}`, '/dlq', body, csrf))
  })

  // The same operation as `./ripple dlq replay --partition P --offset N`.
  app.post<{ Params: { topic: string } }>('/dlq/:topic/replay', async (req, reply) => {
    const form = parseInput(replayForm, req.body)
    const replayed = await replayDeadLetters(deps.config, req.params.topic, { all: false, partition: form.partition, offset: BigInt(form.offset) })
    req.log.info({ topic: req.params.topic, replayed }, 'dead letter replayed from the console')
    if (!(req.headers.accept ?? '').includes('text/html')) return { replayed }
    return reply.redirect(`/dlq/${enc(req.params.topic)}`, 303)
  })
}
