// MariaDB 10.11 has no UUID_TO_BIN, so ids cross the adapter boundary here: text outside, 16 bytes inside.

export function uuidToBin (uuid: string): Buffer {
  return Buffer.from(uuid.replaceAll('-', ''), 'hex')
}

export function binToUuid (bin: Buffer): string {
  const hex = bin.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
