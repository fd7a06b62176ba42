import { type EnvironmentProviders, inject, provideAppInitializer } from '@angular/core';
import { Router } from '@angular/router';
import { configureClient, defaultClient } from '@meshping/api-client';
import { AuthStore } from './auth.store';

function cookie(name: string): string | undefined {
  const match = document.cookie.split('; ').find((c) => c.startsWith(`${name}=`));
  return match ? decodeURIComponent(match.slice(name.length + 1)) : undefined;
}

/**
 * Points the generated API client (@meshping/api-client) at this server: same origin, the session
 * cookie the browser holds, the CSRF token (the server's readable XSRF-TOKEN cookie) echoed on every
 * call, and a 401 from any other call ends the session in the app and goes to login.
 */
export function provideApi(): EnvironmentProviders {
  return provideAppInitializer(() => {
    const auth = inject(AuthStore);
    const router = inject(Router);
    configureClient(defaultClient, { baseUrl: location.origin, session: { csrf: () => cookie('XSRF-TOKEN') } });
    defaultClient.interceptors.response.use((response, _request, options) => {
      // `meta` is the SDK's pass-through field: the generated client carries it untyped into the options.
      const meta = (options as { meta?: Record<string, unknown> }).meta;
      if (response.status === 401 && !meta?.['expects401']) {
        auth.forget();
        void router.navigate(['/login'], { queryParams: { next: router.url } });
      }
      return response;
    });
  });
}
