import { inject } from '@angular/core';
import { type CanActivateFn, Router } from '@angular/router';
import { AuthStore, type Role } from './auth.store';

/** Signed-in users only (optionally with a role); others go to the login page. */
export function signedIn(role: Role = 'viewer'): CanActivateFn {
  return async (_route, state) => {
    const auth = inject(AuthStore);
    const router = inject(Router);
    const user = await auth.current();
    if (!user) return router.createUrlTree(['/login'], { queryParams: { next: state.url } });
    return auth.can(role) ? true : router.createUrlTree(['/']);
  };
}
