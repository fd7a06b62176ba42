const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

module.exports = {
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
    })
  ],
};
