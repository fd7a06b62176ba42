import { hash, compare } from 'bcrypt';

export const BCRYPT_COST = 12;
export const PASSWORD_MIN = 10;
/** bcrypt reads at most 72 bytes; a longer password would be silently truncated, so it is refused. */
export const PASSWORD_MAX_BYTES = 72;

export function hashPassword(password: string): Promise<string> {
  return hash(password, BCRYPT_COST);
}

export function verifyPassword(password: string, passwordHash: string): Promise<boolean> {
  return compare(password, passwordHash);
}

/** A hash of nothing anyone knows: unknown usernames cost the same time as known ones. */
let dummy: Promise<string> | null = null;
export async function burnVerifyTime(password: string): Promise<void> {
  dummy ??= hashPassword(`no-such-user-${Math.random()}`);
  await compare(password, await dummy);
}
