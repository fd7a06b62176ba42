import baseConfig from '../../tools/eslint.base.config.mjs';

// src/generated is written by @hey-api/openapi-ts from docs/openapi.json: not linted, never edited.
// examples/ import the package by its name, as a user's script does.
export default [
  ...baseConfig,
  { ignores: ['src/generated/**'] },
  { files: ['examples/**/*.ts'], rules: { '@nx/enforce-module-boundaries': 'off' } },
];
