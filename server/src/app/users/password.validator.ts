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

/** A new password: 10 characters at least, 72 bytes at most (bcrypt's limit). */
export function IsNewPassword(description = 'New password'): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ description: `${description}: at least ${PASSWORD_MIN} characters, at most ${PASSWORD_MAX_BYTES} bytes`, minLength: PASSWORD_MIN }),
    IsString(),
    MinLength(PASSWORD_MIN),
    MaxLength(PASSWORD_MAX_BYTES),
    Validate(PasswordBytes),
  );
}
