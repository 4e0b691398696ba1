import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadStackConfig } from '@ripple/stack'
import mysql from 'mysql2/promise'
import type { RowDataPacket } from 'mysql2/promise'
import { stack } from '@ripple/testing'

const config = loadStackConfig()

/** The one confirmation link of a mail: a line of its own pointing at user-service's /users/confirm. */
export function confirmLinkIn (text: string): string {
  const links = text.split('\n').map(l => l.trim()).filter(l => /^https?:\/\/\S+\/users\/confirm\?token=\S+$/.test(l))
  assert.equal(links.length, 1, `one confirmation link in:\n${text}`)
  return links[0]!
}

/** The stored password hash of a user, read from MariaDB as the admin account (to prove it appears nowhere else). */
export async function storedPasswordHash (userId: string): Promise<string> {
  const conn = await mysql.createConnection({ ...stack.mariadb, database: 'userdata' })
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT password FROM users WHERE id = UNHEX(REPLACE(?, \'-\', \'\'))', [userId])
    const hash = rows[0]?.password as string | undefined
    assert.ok(hash, `no stored hash for ${userId}`)
    return hash
  } finally {
    await conn.end()
  }
}

/** What a service of the stack has logged so far (its pm2 log under .ripple/logs). */
export async function serviceLog (name: string): Promise<string> {
  return await readFile(join(config.paths.logs, `${name}.log`), 'utf8')
}
