import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { execa } from 'execa'
import type { Browser, Page } from 'playwright-core'
import { endpoints, loadStackConfig } from '@ripple/stack'
import { applyConnector, connectorState, deleteConnector } from '@ripple/operations'
import { callJson, deleteTopics, eventually, readTopic, signInToConsole, throwawayJdbcSink, unique, waitForMails } from '@ripple/testing'
import { openBrowser, screenshot, withPage } from '@ripple/testing/browser'

// The web console as a person uses it: a real Chromium (playwright-core) on the console that
// `./ripple up` runs, looking at what the page shows after real work on the real stack.
const config = loadStackConfig()
const consoleUrl = endpoints(config).consoleUrl
const ripple = join(config.repoRoot, 'ripple')
const kafka = (args: string[], input?: string) => execa(ripple, ['kafka', ...args], input === undefined ? {} : { input })
const operatorKey = config.secrets.generated.OPERATOR_KEY

const topic = unique('it.console.')
const dlqSource = unique('it.console.src.')
const dlq = `${dlqSource}.dlq`
let browser: Browser
before(async () => { browser = await openBrowser() })
after(async () => {
  await browser?.close()
  await deleteTopics([topic, dlqSource, dlq])
})

/** Every page needs the operator's sign-in: the page asked for sends the browser there, and back after it. */
async function signIn (page: Page, path = '/'): Promise<void> {
  await page.goto(`${consoleUrl}${path}`)
  assert.equal(page.url(), `${consoleUrl}/login?next=${encodeURIComponent(path)}`, 'sent to the sign-in first')
  await page.fill('input[name=key]', operatorKey)
  await Promise.all([page.waitForURL(`${consoleUrl}${path}`), page.click('button[type=submit]')])
  assert.equal(await page.locator('header button:has-text("Sign out")').count(), 1, 'signed in')
}

describe('web console', () => {
  test('overview shows every component healthy with the versions', () => withPage(browser, async page => {
    await signIn(page)
    const text = await page.textContent('main') ?? ''
    for (const name of ['kafka', 'connect', 'mariadb', 'postgres', 'user-service', 'notification-service', 'console']) {
      assert.match(text, new RegExp(`${name}\\s*healthy`), `${name} shown healthy`)
    }
    assert.match(text, /Kafka 4\.\d+\.\d+ · Kafka Connect 4\.\d+\.\d+/)
    assert.match(text, /io\.debezium\.connector\.jdbc\.JdbcSinkConnector/)
    assert.ok(await page.locator(`a[href="${endpoints(config).prometheusUrl}"]`).count() === 1, 'links to Prometheus')
    await screenshot(page, 'overview')
  }))

  test('a topic shows the message produced with its key and header, newest first, filtered by key', () => withPage(browser, async page => {
    await kafka(['topic', 'create', topic, '--partitions', '3'])
    await kafka(['produce', topic, '--key', 'account-7', '--header', 'trace=t-console'], '{"transfer":100}\n{"reversal":100}\n')
    await kafka(['produce', topic, '--key', 'account-9', '--value', '{"transfer":5}'])

    await signIn(page, '/topics')
    await page.click(`a[href="/topics/${encodeURIComponent(topic)}"]`)
    const messages = page.locator('.msg')
    assert.equal(await messages.count(), 3)
    // Newest first: account-9's transfer was produced last.
    assert.match(await messages.nth(0).textContent() ?? '', /account-9/)
    const reversal = messages.filter({ hasText: 'reversal' })
    assert.match(await reversal.textContent() ?? '', /trace\s*t-console/, 'the header is shown')

    await page.fill('input[name=key]', 'account-7')
    await Promise.all([page.waitForURL(/key=account-7/), page.click('main form button[type=submit]')])
    const filtered = await page.locator('.msg').allTextContents()
    assert.equal(filtered.length, 2)
    assert.ok(filtered[0]!.includes('reversal') && filtered[1]!.includes('transfer'), 'one key: its transfer before its reversal, shown newest first')
    await screenshot(page, 'topic-messages')
  }))

  test('a Debezium change is decoded on its CDC topic page', () => withPage(browser, async page => {
    const run = unique('console-')
    const created = await callJson(`http://${config.host}:${config.ports.userService}/users`, 'POST', { username: run, email: `${run}@example.test`, password: `pw-${run}-secret`, fullName: 'Grace Hopper', address: '1 Harbor Way' })
    assert.equal(created.status, 201)
    const id = created.body.id as string
    await signIn(page)
    await eventually(async () => {
      await page.goto(`${consoleUrl}/topics/cdc.table.userdata.users?key=${encodeURIComponent(id)}`)
      assert.ok(await page.locator('.msg').count() >= 1)
    })
    const text = await page.locator('.msg').first().textContent() ?? ''
    assert.match(text, /Debezium change: create/)
    assert.match(text, /Grace Hopper/)
    assert.doesNotMatch(text, new RegExp(`pw-${run}-secret`), 'no password on the topic')
    // The topic's contract from the catalogue: who writes it, which groups read it, and whether the newest records keep it.
    const contract = await page.textContent('[data-testid=contract]') ?? ''
    assert.match(contract, /mysql-debezium-cdc-source-user/)
    assert.match(contract, /notification-service/)
    assert.match(await page.textContent('[data-testid=conformance]') ?? '', /of the newest \d* ?records/)
  }))

  test('a group that stopped shows its lag, and reset (signed in) moves it', () => withPage(browser, async page => {
    const group = unique('it-console-group-')
    // A new group starts at the end (as Kafka's console consumer): move it to the start first.
    await kafka(['group', 'reset', group, '--topic', topic, '--to-earliest'])
    await kafka(['consume', topic, '--group', group, '--max', '1'])
    await signIn(page, `/groups/${encodeURIComponent(group)}`)
    assert.equal(await page.textContent('[data-testid=total-lag]'), '2', 'three records, one consumed and committed')
    assert.match(await page.textContent('main') ?? '', /0 member\(s\)/)
    // The console samples every group's lag every 15 s: two samples draw the line.
    await eventually(async () => {
      await page.reload()
      const points = await page.getAttribute('svg[aria-label="lag over time"] polyline', 'points')
      assert.ok(points && points.trim().split(' ').length >= 2, 'lag over time, two samples or more')
    }, 60_000, 2000)
    await screenshot(page, 'group-lag')

    // Without the form's CSRF token (as another site's form would post) the action is refused.
    await page.evaluate('document.querySelectorAll("input[name=_csrf]").forEach(input => input.remove())')
    await page.click('form[action$="/reset"] button:has-text("to latest")')
    assert.match(await page.textContent('main') ?? '', /Error 403[\s\S]*CSRF token/)
    await page.goto(`${consoleUrl}/groups/${encodeURIComponent(group)}`)
    assert.equal(await page.textContent('[data-testid=total-lag]'), '2', 'nothing moved')
    await Promise.all([page.waitForURL(`${consoleUrl}/groups/${encodeURIComponent(group)}`), page.click('form[action$="/reset"] button:has-text("to latest")')])
    assert.equal(await page.textContent('[data-testid=total-lag]'), '0')
  }))

  test('a failed connector shows its trace; restart from the page', () => withPage(browser, async page => {
    const { connect } = endpoints(config)
    const name = unique('it-console-sink-')
    await kafka(['produce', topic, '--key', 'k', '--value', 'not json {'])
    await applyConnector(connect, {
      name,
      config: throwawayJdbcSink(topic, {
        'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
        // From the topic's start: Connect's sink consumers default to earliest (no override: the worker's policy allows none).
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter'
      })
    })
    try {
      await eventually(async () => assert.equal((await connectorState(connect, name))?.tasks[0]?.state, 'FAILED'))
      await signIn(page, '/connectors')
      assert.match(await page.locator('tr', { hasText: name }).textContent() ?? '', /0: FAILED/)
      await page.click(`a[href="/connectors/${name}"]`)
      const trace = await page.textContent('pre.trace') ?? ''
      assert.match(trace, /Exception/)
      assert.match(trace, /JSON|Converting byte\[\] to Kafka Connect data failed/i)
      await screenshot(page, 'connector-failed')
      await page.goto(`${consoleUrl}/connectors/${name}`)
      await Promise.all([page.waitForURL(`${consoleUrl}/connectors/${name}`), page.click('button:has-text("pause")')])
      await eventually(async () => assert.equal((await connectorState(connect, name))?.state, 'PAUSED'))
    } finally {
      await deleteConnector(connect, name)
    }
  }))

  test('a dead letter shows its reason; replay puts it back and it leaves the pending view', () => withPage(browser, async page => {
    await kafka(['topic', 'create', dlqSource, '--partitions', '1'])
    await kafka(['topic', 'create', dlq, '--partitions', '1'])
    await kafka(['produce', dlq, '--key', 'job-42', '--header', 'x-dlq-reason=value is not JSON', '--header', 'x-dlq-error-code=MALFORMED_RECORD',
      '--header', `x-dlq-original-topic=${dlqSource}`, '--header', 'x-dlq-original-partition=0', '--header', 'x-dlq-original-offset=17', '--header', 'trace=t-dlq'], '{"fixed":true}\n')

    await signIn(page, '/dlq')
    await page.click(`a[href="/dlq/${encodeURIComponent(dlq)}"]`)
    assert.equal(await page.textContent('[data-testid=pending]'), '1')
    const row = page.locator('tr', { hasText: 'job-42' })
    assert.match(await row.textContent() ?? '', /MALFORMED_RECORD value is not JSON/)
    assert.match(await row.textContent() ?? '', new RegExp(`${dlqSource.replace(/\./g, '\\.')}:0:17`))
    await screenshot(page, 'dead-letters')

    await page.goto(`${consoleUrl}/dlq/${encodeURIComponent(dlq)}`)
    await Promise.all([page.waitForURL(`${consoleUrl}/dlq/${encodeURIComponent(dlq)}`), page.click('button:has-text("replay")')])
    assert.equal(await page.textContent('[data-testid=pending]'), '0', 'replayed: no longer pending')
    assert.equal(await page.locator('tr', { hasText: 'job-42' }).count(), 0)
    const back = await readTopic(dlqSource, records => records.length >= 1)
    assert.equal(back[0]?.key, 'job-42')
    assert.equal(back[0]?.value, '{"fixed":true}')
    assert.equal(back[0]?.headers['x-replayed-from'], `${dlq}:0:0`)
    assert.equal(back[0]?.headers.trace, 't-dlq', 'its own headers travel with it')
    // The CLI sees the same state.
    assert.match((await execa(ripple, ['dlq', 'list', dlq])).stdout, /replayed /)
  }))

  test('the trace of one user change shows row, event, consumer and the mail delivered; the mailbox finds the mail', () => withPage(browser, async page => {
    const run = unique('trace-')
    const email = `${run}@example.test`
    const created = await callJson(`http://${config.host}:${config.ports.userService}/users`, 'POST', { username: run, email, password: `pw-${run}-secret`, fullName: 'Ada Lovelace', address: '1 Analytical Way' })
    assert.equal(created.status, 201)
    const id = created.body.id as string
    await waitForMails(email, 1)

    await signIn(page, '/trace')
    await page.fill('input[name=id]', id)
    await page.selectOption('select[name=kind]', 'user')
    await Promise.all([page.waitForURL(/\/trace\?kind=user&id=/), page.click('main form button[type=submit]')])
    for (const stage of ['row', 'event', 'consumer', 'effect']) {
      assert.ok(await page.locator(`.step[data-stage=${stage}]`).count() >= 1, `a ${stage} step`)
    }
    await eventually(async () => {
      await page.reload()
      const mail = page.locator('.step.ok[data-stage=effect]', { hasText: email })
      assert.ok(await mail.count() >= 1, 'the mail to the user is delivered')
    })
    assert.match(await page.locator('.step[data-stage=event]').first().textContent() ?? '', /cdc\.table\.userdata\.users/)
    await screenshot(page, 'trace')

    await page.goto(`${consoleUrl}/mail`)
    await page.fill('input[name=to]', email)
    await Promise.all([page.waitForURL(/\/mail\?to=/), page.click('main form button[type=submit]')])
    assert.equal(await page.locator('.mail').count(), 1)
    assert.match(await page.locator('.mail').textContent() ?? '', /Welcome to Ripple/)
    await screenshot(page, 'mailbox')
  }))

  test('write actions need the operator\'s session; bad input is a 4xx naming the field', async () => {
    const refused = await callJson(`${consoleUrl}/connectors/outbox-connector/restart`, 'POST', {})
    assert.equal(refused.status, 401)
    assert.equal(refused.body.field, 'session')
    // The key as a header signs nothing in: only a session (and its CSRF token) opens a write.
    const keyOnly = await callJson(`${consoleUrl}/connectors/outbox-connector/restart`, 'POST', {}, { headers: { 'x-operator-key': operatorKey } })
    assert.equal(keyOnly.status, 401)
    const wrongKey = await callJson(`${consoleUrl}/login`, 'POST', { key: 'not-the-key' })
    assert.equal(wrongKey.status, 403)
    assert.equal(wrongKey.body.field, 'key')
    const session = await signInToConsole(consoleUrl, operatorKey)
    const badPartition = await callJson(`${consoleUrl}/topics/${topic}?partition=x`, 'GET', undefined, { headers: { cookie: session.cookie } })
    assert.equal(badPartition.status, 400)
    assert.equal(badPartition.body.field, 'partition')
    const unknown = await callJson(`${consoleUrl}/topics/no-such-topic-${unique('')}`, 'GET', undefined, { headers: { cookie: session.cookie } })
    assert.equal(unknown.status, 404)
    const signedIn = await callJson(`${consoleUrl}/groups/${unique('none-')}/reset`, 'POST', { topic, to: 'sideways' }, { headers: session.headers })
    assert.equal(signedIn.status, 400, 'signed in, with the token: the input itself is checked')
    assert.equal(signedIn.body.field, 'to')
  })
})
