import baseConfig from '../../tools/eslint.base.config.mjs';

// src/generated is written by @hey-api/openapi-ts from docs/openapi.json: not linted, never edited.
export default [...baseConfig, { ignores: ['src/generated/**'] }];
