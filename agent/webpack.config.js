const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');
const { IgnorePlugin } = require('webpack');

/**
 * What Nest loads only on demand (loadPackage / optionalRequire) for features a standalone
 * application context does not use: HTTP platforms, microservices, gateways, validation. They are
 * installed in the workspace (the server uses some), so webpack would otherwise bundle them, and
 * their modules would be compiled into the agent's memory. Left out, Nest's optional require of
 * them fails quietly; a required one (never reached here) would fail loudly at start.
 */
const NEST_LAZY_IMPORTS = new Set([
  '@nestjs/platform-express',
  '@nestjs/microservices',
  '@nestjs/microservices/microservices-module',
  '@nestjs/websockets/socket-module',
  'class-transformer',
  'class-transformer/storage',
  'class-validator',
  'file-type', // FileTypeValidator (file uploads)
]);

module.exports = {
  resolve: {
    // rxjs as ES modules (it declares sideEffects: false): webpack keeps the few operators Nest
    // uses, where the CommonJS build defines all of rxjs at start-up.
    alias: {
      rxjs$: join(require.resolve('rxjs'), '../../esm/index.js'),
      'rxjs/operators$': join(require.resolve('rxjs'), '../../esm/operators/index.js'),
    },
  },
  module: {
    rules: [
      {
        // Nest's loggers create their Intl.DateTimeFormat on first use, not at load (~8 MB of ICU).
        test: /[\\/]@nestjs[\\/]common[\\/]services[\\/](console-logger|logger)\.service\.js$/,
        loader: join(__dirname, 'lazy-intl-loader.js'),
      },
    ],
  },
  output: {
    path: join(__dirname, '../dist/agent'),
    clean: true,
    ...(process.env.NODE_ENV !== 'production' && {
      devtoolModuleFilenameTemplate: '[absolute-resource-path]',
    }),
  },
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      tsConfig: './tsconfig.app.json',
      // The kernel-timestamp addon (agent/native, built by the "native" target) beside main.js.
      assets: ['./src/assets', { input: './native/build/Release', glob: 'icmp_stamp.node', output: '.' }],
      optimization: true,
      outputHashing: 'none',
      generatePackageJson: true,
      // One file with everything the agent uses (load only what it needs: RSS budget 64 MB), except
      // raw-socket, a native addon that loads its compiled binding from node_modules.
      externalDependencies: ['raw-socket'],
      sourceMap: true,
    }),
    new IgnorePlugin({ checkResource: (resource) => NEST_LAZY_IMPORTS.has(resource) }),
  ],
};
