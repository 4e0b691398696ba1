import { existsSync, statSync } from 'node:fs'
import { chmod } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { execa } from 'execa'

/**
 * The OS accounts components drop to. Run as root, `up` starts each component under an account of
 * its own (its package's, like postgres or mysql, or one it makes), so a component that is broken
 * into reads no other component's files or environment (/proc/<pid>/environ holds a process's
 * secrets and is readable by its own user only). Run as anyone else, everything runs as that user.
 */
export const dropsRoot = (): boolean => process.getuid?.() === 0 && openToOthers(REPOSITORY_FILE)

// The components' accounts read the repository (the services' code, the rules, the jars under
// .ripple): a checkout others cannot read (a clone under /root, a umask of 077) keeps everything
// running as the user that ran `up`, as before, rather than failing to start.
const REPOSITORY_FILE = join(import.meta.dirname, '..', '..', '..', 'package.json')

/** Whether another OS user may read this file: it is readable by others, and every folder above it traversable. */
export function openToOthers (file: string): boolean {
  if (!existsSync(file) || (statSync(file).mode & 0o004) === 0) return false
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false
    if (dir === dirname(dir)) return true
  }
}

export async function osUserIds (name: string): Promise<{ uid: number, gid: number }> {
  const { stdout: uid } = await execa('id', ['-u', name])
  const { stdout: gid } = await execa('id', ['-g', name])
  return { uid: Number(uid), gid: Number(gid) }
}

/** A system account with no home and no shell, made once; what a service runs as under a root `up`. */
export async function ensureSystemUser (name: string): Promise<void> {
  if ((await execa('id', ['-u', name], { reject: false })).exitCode === 0) return
  const made = await execa('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', '--user-group', name], { reject: false })
  // Two `up`s racing: the other one made it.
  if (made.exitCode !== 0 && (await execa('id', ['-u', name], { reject: false })).exitCode !== 0) {
    throw new Error(`could not create the OS user ${name} for its service (useradd: ${made.stderr.trim()})`)
  }
}

/** The OS user a service runs as under a root `up`: one per service, so none reads another's environment. */
export const serviceOsUser = (service: string): string => `ripple-${service}`.slice(0, 32)

/**
 * Makes `osUser` (created if missing) the owner of a component's own files and folders, recursively;
 * a folder already its is left as is, so a large data folder is walked once, not on every `up`.
 */
export async function handOver (osUser: string, paths: readonly string[]): Promise<void> {
  await ensureSystemUser(osUser)
  const { uid, gid } = await osUserIds(osUser)
  for (const path of paths) {
    if (!existsSync(path)) continue
    const stat = statSync(path)
    if (stat.isDirectory() && stat.uid === uid && stat.gid === gid) continue
    await execa('chown', stat.isDirectory() ? ['-R', `${uid}:${gid}`, path] : [`${uid}:${gid}`, path])
  }
}

/**
 * Public artifacts (the jars fetched from Maven Central) readable by the components' accounts:
 * the folders that hold them become listable and the jars readable; nothing in them is secret.
 */
export async function openToComponents (folders: readonly string[]): Promise<void> {
  for (const folder of folders) {
    if (!existsSync(folder)) continue
    await chmod(dirname(folder), 0o711)
    await execa('chmod', ['-R', 'go+rX', folder])
  }
}
