/** What the running server knows of its own certificate (for the join passphrase). */
export interface TlsInfo {
  /** SHA-256 fingerprint, colon-separated hex; null when TLS is off. */
  fingerprint: string | null;
}

export const TLS_INFO = Symbol('TLS_INFO');
