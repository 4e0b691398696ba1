import pRetry from 'p-retry'

export interface CapturedMail { to: string[], from: string, subject: string, text: string, date: string, headers: Record<string, string> }

export async function mailsTo (mailApiUrl: string, address: string): Promise<CapturedMail[]> {
  const res = await fetch(`${mailApiUrl}/mails?to=${encodeURIComponent(address)}`)
  return await res.json() as CapturedMail[]
}

/** Polls the SMTP capture until `address` has at least `count` mails (bounded), and returns them all. */
export async function waitForMails (mailApiUrl: string, address: string, count: number, timeoutMs = 60_000): Promise<CapturedMail[]> {
  let last: CapturedMail[] = []
  try {
    return await pRetry(async () => {
      last = await mailsTo(mailApiUrl, address)
      if (last.length < count) throw new Error(`${address} has ${last.length} of ${count} mails`)
      return last
    }, { retries: Number.POSITIVE_INFINITY, minTimeout: 100, maxTimeout: 500, maxRetryTime: timeoutMs })
  } catch {
    return last
  }
}
