import { ApiProperty, OmitType } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { CreateUserDto, UserDto } from '../users/user.dto';
import { IsNewPassword } from '../users/password.validator';

export class SessionDto {
  @ApiProperty({ type: UserDto }) user!: UserDto;
  @ApiProperty({ description: 'Echo it in the X-XSRF-TOKEN header of every POST/PUT/PATCH/DELETE (also set as the XSRF-TOKEN cookie)' })
  csrfToken!: string;
}

export class SetupStatusDto {
  @ApiProperty({ description: 'True until the first admin exists' }) required!: boolean;
}

export class SetupDto extends OmitType(CreateUserDto, ['role'] as const) {
  @ApiProperty({ description: "The one-time setup code from the server's log" })
  @IsString()
  @MinLength(8)
  @MaxLength(128)
  setupCode!: string;
}

export class ResetPasswordDto {
  @ApiProperty({ description: 'The token from the reset link' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{20,128}$/, { message: 'token is not a reset token' })
  token!: string;

  @IsNewPassword()
  newPassword!: string;
}
