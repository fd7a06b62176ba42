import { BadRequestException, Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { parse as parseCookies } from 'cookie';
import type { Request } from 'express';
import { Strategy } from 'passport-local';
import { sourceOf } from '../access/request-context';
import { LoginDto } from '../users/user.dto';
import type { UserEntity } from '../users/user.entity';
import { AuthService } from './auth.service';
import { DEVICE_COOKIE } from './device-cookie';

/** passport-local: username + password from the JSON body, checked (and throttled) by AuthService. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly auth: AuthService) {
    super({ passReqToCallback: true });
  }

  validate(req: Request, username: string, password: string): Promise<UserEntity> {
    const deviceCookie = parseCookies(req.headers.cookie ?? '')[DEVICE_COOKIE];
    return this.auth.verifyCredentials({ username, password, source: sourceOf(req), deviceCookie });
  }
}

/**
 * Guards run before pipes, so the login body is validated here first: a malformed body gets the
 * same 400 naming the field as everywhere else, instead of passport's bare "Missing credentials".
 */
@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const body = context.switchToHttp().getRequest<Request>().body;
    const dto = plainToInstance(LoginDto, body ?? {});
    const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length) throw new BadRequestException(errors.flatMap((e) => Object.values(e.constraints ?? {})));
    return (await super.canActivate(context)) as boolean;
  }
}
