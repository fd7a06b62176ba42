import { builtinModules } from 'node:module';
import baseConfig from '../../tools/eslint.base.config.mjs';

// libs/protocol runs in browsers, agents and servers: no Node.js built-ins (framework packages are
// banned by the module-boundary rule in the root config).
export default [
  ...baseConfig,
  {
    files: ['**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['node:*'], message: 'libs/protocol must not use Node.js built-ins.' }],
          paths: builtinModules.map((name) => ({ name, message: 'libs/protocol must not use Node.js built-ins.' })),
        },
      ],
    },
  },
];
