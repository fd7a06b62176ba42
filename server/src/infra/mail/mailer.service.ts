import { Inject, Injectable, Logger } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config';

/** Sends mail when MESHPING_SMTP_URL is set; otherwise `enabled` is false and callers show links instead. */
@Injectable()
export class MailerService {
  private readonly logger = new Logger(MailerService.name);
  private readonly transport: Transporter | null;

  constructor(@Inject(SERVER_CONFIG) private readonly config: ServerConfig) {
    this.transport = config.MESHPING_SMTP_URL ? createTransport(config.MESHPING_SMTP_URL) : null;
  }

  get enabled(): boolean {
    return this.transport !== null;
  }

  async send(to: string, subject: string, text: string): Promise<void> {
    if (!this.transport) throw new Error('SMTP is not configured');
    await this.transport.sendMail({ from: this.config.MESHPING_MAIL_FROM, to, subject, text });
    this.logger.log({ event: 'mail.sent', subject });
  }
}
