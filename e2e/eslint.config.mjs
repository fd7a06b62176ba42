import baseConfig from '../tools/eslint.base.config.mjs';

// The REST API is called through the generated client (@meshping/api-client; src/api.ts holds a
// signed-in session), never by URL: a string naming an /api path is refused. Import sources are
// not paths of the API (./api is the helper). WebSocket paths (/agent, /live) are not REST.
const API_PATH = '/\\/api(\\/|\\?|$)/';
const message = 'Call the REST API through @meshping/api-client (see e2e/src/api.ts), not by URL.';

export default [
  ...baseConfig,
  {
    files: ['**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: `:not(ImportDeclaration, ImportExpression, ExportAllDeclaration, ExportNamedDeclaration) > Literal[value=${API_PATH}]`, message },
        { selector: `TemplateElement[value.raw=${API_PATH}]`, message },
      ],
    },
  },
];
