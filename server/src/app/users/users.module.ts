import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailerService } from '../../infra/mail/mailer.service';
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
  providers: [UsersRepository, ResetTokensRepository, UsersService, PasswordResetService, MailerService],
  exports: [UsersService, PasswordResetService],
})
export class UsersModule {}
