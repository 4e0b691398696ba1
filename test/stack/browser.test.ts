import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { openBrowser, VIEWPORT, withPage } from '@ripple/testing/browser'

// The harness the console's browser tests stand on: Debian's Chromium through playwright-core,
// against a page of its own, so a failure here is the browser's and not the console's.

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>harness</title></head>
<body>
  <h1>Ripple browser harness</h1>
  <p id="shown">visible text</p>
  <p hidden>hidden text</p>
  <button id="more">more</button>
  <ul id="rows"></ul>
  <script>
    document.getElementById('more').addEventListener('click', () => {
      const rows = document.getElementById('rows')
      for (let i = 1; i <= 40; i++) rows.insertAdjacentHTML('beforeend', '<li>row ' + i + '</li>')
    })
  </script>
</body></html>`

const server = createServer((req, res) => {
  if (req.url !== '/') { res.writeHead(404).end(); return }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE)
})
let url = ''
before(async () => {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})
after(() => { server.close() })

const browser = await openBrowser()
after(() => browser.close())

test('Chromium opens a page over HTTP and sees only its visible text', () => withPage(browser, async page => {
  const response = await page.goto(url)
  assert.equal(response?.status(), 200)
  assert.equal(await page.title(), 'harness')
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Ripple browser harness')
  assert.equal(await page.getByText('visible text').isVisible(), true)
  assert.equal(await page.getByText('hidden text').isVisible(), false)
  assert.deepEqual(page.viewportSize(), VIEWPORT)
}))

test('the page runs its script: a click adds rows, and a full-page screenshot is as wide as the viewport and taller', () => withPage(browser, async page => {
  await page.goto(url)
  await page.getByRole('button', { name: 'more' }).click()
  assert.equal(await page.getByRole('listitem').count(), 40)
  assert.equal(await page.getByText('row 40', { exact: true }).isVisible(), true)

  await page.setViewportSize({ width: VIEWPORT.width, height: 300 })
  const png = await page.screenshot({ fullPage: true })
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG')
  // IHDR: width and height, big-endian, right after the 8-byte signature and the chunk's length and type.
  assert.equal(png.readUInt32BE(16), VIEWPORT.width)
  assert.ok(png.readUInt32BE(20) > 300, `the screenshot covers the whole page, not only the 300 px viewport (height ${png.readUInt32BE(20)})`)
}))

test('a page of its own per test: nothing carries over from the one before', () => withPage(browser, async page => {
  assert.equal(page.url(), 'about:blank')
  assert.equal(page.context().pages().length, 1)
  assert.equal(browser.contexts().length, 1)
}))
