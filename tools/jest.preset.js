const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  // Unit tests *.spec.ts, tests against real parts *.int-spec.ts, whole-system tests *.e2e-spec.ts.
  testMatch: ['**/?(*.)+(spec|test).[jt]s?(x)', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
};
