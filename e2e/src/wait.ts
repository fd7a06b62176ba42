/** Resolves after `ms` milliseconds (never negative). */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/**
 * Polls `probe` until it returns a truthy value and resolves with it. A probe that throws counts as
 * "not yet" (a status file not written yet, a server still starting), but its last error is kept:
 * on timeout the message names what was awaited, that error, and `detail()` (an agent's output, say),
 * so a refused request does not hide behind a bare timeout.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  timeoutMs: number,
  options: { intervalMs?: number; detail?: () => string } = {},
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > end) {
      const cause = lastError === undefined ? '' : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      const detail = options.detail ? `\n${options.detail()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}${detail}`);
    }
    await sleep(options.intervalMs ?? 500);
  }
}
