import { randomBytes } from 'node:crypto';
import { isSealed, seal, unseal } from './sealed-value';

describe('sealed values', () => {
  const key = randomBytes(32);

  it('opens what it sealed, and nothing sealed with another key, under another name, or altered', () => {
    const sealed = seal(key, 'enroll.secret', 'the secret');
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('the secret');
    expect(unseal(key, 'enroll.secret', sealed)).toBe('the secret');
    expect(seal(key, 'enroll.secret', 'the secret')).not.toBe(sealed);
    expect(unseal(randomBytes(32), 'enroll.secret', sealed)).toBeNull();
    expect(unseal(key, 'other.name', sealed)).toBeNull();
    const flipped = sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.at(-1);
    expect(unseal(key, 'enroll.secret', flipped)).toBeNull();
    expect(unseal(key, 'enroll.secret', 'the secret')).toBeNull();
    expect(unseal(key, 'enroll.secret', 'sealed1:short')).toBeNull();
  });
});
