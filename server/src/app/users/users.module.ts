import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailerService } from '../../infra/mail/mailer.service';
import { USER_DIRECTORY } from '../access/principals';
import { AuditModule } from '../audit/audit.module';
import { PasswordResetService } from './password-reset.service';
import { ResetTokenEntity } from './reset-token.entity';
import { UserEntity } from './user.entity';
import { UsersController } from './users.controller';
import { ResetTokensRepository } from './reset-tokens.repository';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, ResetTokenEntity]), AuditModule],
  controllers: [UsersController],
  providers: [UsersRepository, ResetTokensRepository, UsersService, PasswordResetService, MailerService, { provide: USER_DIRECTORY, useExisting: UsersService }],
  exports: [UsersService, PasswordResetService, USER_DIRECTORY],
})
export class UsersModule {}
