/**
 * Import rules the server's layering depends on (docs/architecture.md), checked in CI by
 * `npx nx run server:imports` (part of lint):
 * - no cycle between the feature folders of server/src/app (a folder that needs another's service
 *   imports it; the other never imports back);
 * - infra/ (database, config, TLS, HTTP plumbing) imports nothing from app/.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles-in-app',
      severity: 'error',
      comment: 'Feature folders of server/src/app must not import each other in a circle.',
      scope: 'folder',
      from: { path: '^server/src/app/[^/]+$' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycles',
      severity: 'error',
      comment: 'No import cycle between two files of the server.',
      from: { path: '^server/src/' },
      to: { circular: true },
    },
    {
      name: 'infra-not-into-app',
      severity: 'error',
      comment: 'infra/ is the plumbing features use; it never reaches into a feature.',
      from: { path: '^server/src/infra/' },
      to: { path: '^server/src/app/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.(spec|int-spec)\\.ts$|^server/src/testing/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
