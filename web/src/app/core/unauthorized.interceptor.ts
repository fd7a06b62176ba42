import { HttpErrorResponse, type HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, throwError } from 'rxjs';
import { AuthStore } from './auth.store';

/** A 401 from any API call but the session probe and login means the session ended: back to login. */
export const unauthorizedInterceptor: HttpInterceptorFn = (req, next) => {
  const auth = inject(AuthStore);
  const router = inject(Router);
  return next(req).pipe(
    catchError((err: unknown) => {
      const quiet = req.url.startsWith('/api/auth/session') || req.url.startsWith('/api/auth/login');
      if (err instanceof HttpErrorResponse && err.status === 401 && !quiet) {
        auth.forget();
        void router.navigate(['/login'], { queryParams: { next: router.url } });
      }
      return throwError(() => err);
    }),
  );
};
