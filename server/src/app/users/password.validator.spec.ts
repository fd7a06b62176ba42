import 'reflect-metadata';
import { compare, hash } from 'bcrypt';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ChangePasswordDto } from './user.dto';

const problems = async (newPassword: string) =>
  (await validate(plainToInstance(ChangePasswordDto, { currentPassword: 'current password', newPassword }))).flatMap((e) => Object.values(e.constraints ?? {}));

describe('IsNewPassword', () => {
  it('refuses NUL characters: bcrypt hashes a password of NULs like the empty one', async () => {
    const nuls = '\u0000'.repeat(64);
    expect(await compare('', await hash(nuls, 4))).toBe(true); // why: the password would be no password
    expect(await problems(nuls)).toEqual(['newPassword must not contain NUL characters or unpaired UTF-16 surrogates']);
    expect(await problems('a good password\u0000')).toEqual(['newPassword must not contain NUL characters or unpaired UTF-16 surrogates']);
  });

  it('refuses unpaired surrogates (they become U+FFFD, so different passwords would hash alike), and takes paired ones', async () => {
    expect(await problems('long enough \ud800')).toEqual(['newPassword must not contain NUL characters or unpaired UTF-16 surrogates']);
    expect(await problems('long enough \udfff')).toEqual(['newPassword must not contain NUL characters or unpaired UTF-16 surrogates']);
    expect(await problems('long enough \u{1F600} and \u202E')).toEqual([]);
    expect(await problems('a good password')).toEqual([]);
  });
});
