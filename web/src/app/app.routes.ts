import type { Route } from '@angular/router';
import { signedIn } from './core/auth.guards';

export const appRoutes: Route[] = [
  { path: 'login', loadComponent: () => import('./features/login/login.component').then((m) => m.LoginComponent) },
  { path: 'setup', loadComponent: () => import('./features/setup/setup.component').then((m) => m.SetupComponent) },
  {
    path: 'reset-password',
    loadComponent: () => import('./features/reset-password/reset-password.component').then((m) => m.ResetPasswordComponent),
  },
  {
    path: 'users',
    canActivate: [signedIn('admin')],
    loadComponent: () => import('./features/users/users.component').then((m) => m.UsersComponent),
  },
  {
    path: 'tokens',
    canActivate: [signedIn('admin')],
    loadComponent: () => import('./features/tokens/tokens.component').then((m) => m.TokensComponent),
  },
  {
    path: 'agents',
    canActivate: [signedIn()],
    loadComponent: () => import('./features/agents/agents.component').then((m) => m.AgentsComponent),
  },
  {
    path: 'registration',
    canActivate: [signedIn('admin')],
    loadComponent: () => import('./features/registration/registration.component').then((m) => m.RegistrationComponent),
  },
  {
    path: 'targets',
    canActivate: [signedIn()],
    loadComponent: () => import('./features/targets/targets.component').then((m) => m.TargetsComponent),
  },
  {
    path: 'alerts',
    canActivate: [signedIn()],
    loadComponent: () => import('./features/alerts/alerts.component').then((m) => m.AlertsComponent),
  },
  {
    path: 'state-changes',
    canActivate: [signedIn()],
    loadComponent: () => import('./features/state-changes/state-changes.component').then((m) => m.StateChangesComponent),
  },
  {
    path: 'audit',
    canActivate: [signedIn('admin')],
    loadComponent: () => import('./features/audit/audit.component').then((m) => m.AuditComponent),
  },
  {
    path: 'settings',
    canActivate: [signedIn()],
    loadComponent: () => import('./features/settings/settings.component').then((m) => m.SettingsComponent),
  },
  {
    path: 'account',
    canActivate: [signedIn()],
    loadComponent: () => import('./features/account/account.component').then((m) => m.AccountComponent),
  },
  {
    path: '',
    pathMatch: 'full',
    canActivate: [signedIn()],
    loadComponent: () => import('./features/live-grid/live-grid.component').then((m) => m.LiveGridComponent),
  },
  { path: '**', redirectTo: '' },
];
