import { Injectable, signal } from '@angular/core';
import { getEnrollment, rotateEnrollment, type EnrollmentDto } from '@meshping/api-client';
import { apiErrorMessage } from '../../core/api-error';

/** The registration screen's state: the join passphrase with its command line, and rotation. */
@Injectable()
export class RegistrationStore {
  readonly enrollment = signal<EnrollmentDto | null>(null);
  readonly error = signal('');

  load(): Promise<void> {
    return this.run(() => getEnrollment());
  }

  rotate(): Promise<void> {
    return this.run(() => rotateEnrollment());
  }

  private async run(load: () => Promise<EnrollmentDto>): Promise<void> {
    this.error.set('');
    try {
      this.enrollment.set(await load());
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
  }
}
