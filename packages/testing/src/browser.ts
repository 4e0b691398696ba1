import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'

/**
 * A real browser for the console's tests: Debian's Chromium (`./ripple test` installs it), driven by
 * playwright-core, which downloads no browser of its own. A test file opens one browser, closes it
 * in after(), and gives each test a fresh page:
 *
 *   const browser = await openBrowser()
 *   after(() => browser.close())
 *   test('topics', () => withPage(browser, async page => { await page.goto(url); … }))
 */
export const CHROMIUM = '/usr/bin/chromium'

/** Every page is this size, so screenshots of the same page come out the same. */
export const VIEWPORT = { width: 1280, height: 800 }

/** Where screenshots go: docs/operating.md shows some of them. */
export const SCREENSHOTS = resolve(import.meta.dirname, '..', '..', '..', 'docs', 'console')

export function openBrowser (): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Tests run as root, where Chromium refuses to start with its sandbox on.
    chromiumSandbox: false,
    // /dev/shm is small in containers; a page that outgrows it crashes the renderer.
    args: ['--disable-dev-shm-usage', '--disable-gpu']
  })
}

/**
 * A page in a context of its own (no cookies or storage from another test), with a fixed viewport,
 * locale and time zone so what it renders does not depend on the machine.
 */
export async function newPage (browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, locale: 'en-US', timezoneId: 'UTC', colorScheme: 'light' })
  return context.newPage()
}

/** Runs fn on a fresh page and closes its context afterwards, also when fn fails. */
export async function withPage<T> (browser: Browser, fn: (page: Page) => Promise<T>): Promise<T> {
  const page = await newPage(browser)
  try {
    return await fn(page)
  } finally {
    await page.context().close()
  }
}

/** Saves the whole page (not only the viewport) as docs/console/<name>.png and returns the file's path. */
export async function screenshot (page: Page, name: string): Promise<string> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`screenshot names are lower-case words joined by "-", got "${name}"`)
  await mkdir(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' })
  return path
}
