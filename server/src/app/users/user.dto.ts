import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { OptionalNotNull } from '../../infra/validation/optional';
import { IsNewPassword } from './password.validator';
import { ROLES, type Role } from '../access/roles';
import type { UserEntity } from './user.entity';

export class UserDto {
  @ApiProperty({ example: 2, description: 'User id' }) id!: number;
  @ApiProperty({ example: 'alice', description: 'Login name' }) username!: string;
  @ApiProperty({ type: String, nullable: true, example: 'alice@example.com', description: 'Where password-reset links are mailed' }) email!: string | null;
  @ApiProperty({ enum: ROLES, example: 'operator', description: 'admin: everything; operator: agents and targets; viewer: read only' }) role!: Role;
  @ApiProperty({ description: 'A disabled user cannot log in' }) disabled!: boolean;
  @ApiProperty({ example: 1796299200000, description: 'Epoch ms' }) createdAt!: number;
  @ApiProperty({ example: 1796299200000, description: 'Epoch ms of the last change' }) updatedAt!: number;
}

export function toUserDto(u: UserEntity): UserDto {
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    role: u.role,
    disabled: u.disabled,
    createdAt: new Date(u.createdAt).getTime(),
    updatedAt: new Date(u.updatedAt).getTime(),
  };
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/;

export class CreateUserDto {
  @ApiProperty({ example: 'alice', description: '2-64 characters: letters, digits, ".", "_", "-"' })
  @IsString()
  @Matches(USERNAME, { message: 'username must be 2-64 letters, digits, ".", "_" or "-", starting with a letter or digit' })
  username!: string;

  @IsNewPassword('Initial password')
  password!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 254, description: 'Where password-reset links are mailed (when SMTP is configured); null or left out = none' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ROLES, nullable: false })
  @OptionalNotNull()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ nullable: false, description: 'A disabled user cannot log in; their sessions end at once' })
  @OptionalNotNull()
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 254, description: 'null removes it' })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsEmail()
  @MaxLength(254)
  email?: string | null;
}

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  username!: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password!: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  currentPassword!: string;

  @IsNewPassword()
  newPassword!: string;
}
