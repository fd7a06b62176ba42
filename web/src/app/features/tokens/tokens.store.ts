import { Injectable, signal } from '@angular/core';
import { createApiToken, listApiTokens, revokeApiToken, type CreatedTokenDto, type CreateTokenDto, type TokenDto } from '@meshping/api-client';
import { apiErrorMessage } from '../../core/api-error';

/** The API tokens screen's state: the list, and the one token just created (shown this once). */
@Injectable()
export class TokensStore {
  readonly tokens = signal<TokenDto[]>([]);
  readonly error = signal('');
  /** The created token with its secret; cleared when the admin dismisses it or leaves the screen. */
  readonly created = signal<CreatedTokenDto | null>(null);

  async load(): Promise<void> {
    try {
      this.tokens.set(await listApiTokens());
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
  }

  async create(input: CreateTokenDto): Promise<boolean> {
    this.error.set('');
    try {
      this.created.set(await createApiToken({ body: input }));
      await this.load();
      return true;
    } catch (err) {
      this.error.set(apiErrorMessage(err));
      return false;
    }
  }

  async revoke(id: number): Promise<void> {
    this.error.set('');
    try {
      await revokeApiToken({ path: { id } });
    } catch (err) {
      this.error.set(apiErrorMessage(err));
    }
    await this.load();
  }

  dismiss(): void {
    this.created.set(null);
  }
}
