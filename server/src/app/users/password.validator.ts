import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength, Validate, type ValidatorConstraintInterface, ValidatorConstraint } from 'class-validator';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN } from './password';

@ValidatorConstraint({ name: 'passwordBytes' })
class PasswordBytes implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && Buffer.byteLength(value, 'utf8') <= PASSWORD_MAX_BYTES;
  }
  defaultMessage(): string {
    return `$property must be at most ${PASSWORD_MAX_BYTES} bytes (UTF-8)`;
  }
}

/** A NUL, or half of a surrogate pair (UTF-16 that no UTF-8 can encode). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * bcrypt reads a C string: a password of NULs hashes like the empty one (found by the API fuzzer:
 * 64 NULs passed the 10-character minimum). A lone surrogate becomes U+FFFD in UTF-8, so
 * different passwords would hash alike.
 */
@ValidatorConstraint({ name: 'passwordCharacters' })
class PasswordCharacters implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && !value.includes('\u0000') && !LONE_SURROGATE.test(value);
  }
  defaultMessage(): string {
    return '$property must not contain NUL characters or unpaired UTF-16 surrogates';
  }
}

/** A new password: 10 characters at least, 72 bytes at most (bcrypt's limit), no NUL or lone surrogate. */
export function IsNewPassword(description = 'New password'): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ description: `${description}: at least ${PASSWORD_MIN} characters, at most ${PASSWORD_MAX_BYTES} bytes`, minLength: PASSWORD_MIN }),
    IsString(),
    MinLength(PASSWORD_MIN),
    MaxLength(PASSWORD_MAX_BYTES),
    Validate(PasswordBytes),
    Validate(PasswordCharacters),
  );
}
