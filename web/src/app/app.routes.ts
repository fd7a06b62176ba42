import type { Route } from '@angular/router';

export const appRoutes: Route[] = [
  { path: '', pathMatch: 'full', loadComponent: () => import('./features/live-grid/live-grid.component').then((m) => m.LiveGridComponent) },
  { path: '**', redirectTo: '' },
];
