/** Whose address a confirmation link confirms: the user and the address the mail goes to. */
export interface ConfirmationTarget {
  userId: string
  email: string
}

/** Makes the single-use, expiring link a user opens to confirm an address (user-service checks it). */
export interface ConfirmationLinks {
  linkFor (target: ConfirmationTarget): Promise<string>
}
