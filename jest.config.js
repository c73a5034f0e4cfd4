// Jest in native-ESM mode (npm test sets NODE_OPTIONS=--experimental-vm-modules): NestJS 12 ships
// ESM only, and CommonJS Jest cannot load it on Node 20. The TypeScript sources run as they are,
// compiled file by file by swc with decorator metadata (Nest's dependency injection needs it).
// swc does not check types: `npm test` first runs tsc over the whole project, which also builds the
// dist/ entry point that the webhook fault test starts as a process of its own.

/** swc options for our own TypeScript: ES modules, legacy decorators with metadata, as tsconfig.json. */
const typescript = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2023',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

/**
 * Two CommonJS dependencies require() packages that ship ESM only (@fastify/static → content-disposition,
 * light-my-request → cookie); Node 20 cannot do that, so Jest gets those two as CommonJS.
 */
const ESM_REQUIRED_FROM_COMMONJS = ['content-disposition', 'cookie'];

/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', typescript],
    [`/node_modules/(${ESM_REQUIRED_FROM_COMMONJS.join('|')})/.+\\.js$`]: [
      '@swc/jest',
      { module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_REQUIRED_FROM_COMMONJS.join('|')})/)`],
  // Sources import './x.js' (nodenext); in Jest that is the './x.ts' beside it. Only relative imports of
  // our own files: libphonenumber-js imports its '../metadata.min.json.js', which must stay as it is.
  moduleNameMapper: { '^(\\.{1,2}/(?!.*\\.json\\.js$).*)\\.js$': '$1' },
};

/** @type {import('jest').Config} */
export default {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      // Beside the code, and the checks on the code as a whole (test/import-graph.test.ts).
      testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.e2e\\.test\\.ts$'],
    },
    {
      ...shared,
      displayName: 'medium',
      // Repositories and use cases on a real database, without Nest: the migrations run once per run into
      // a template (globalSetup), and each file works on a copy of its own (test/medium/template-database.ts).
      testMatch: ['<rootDir>/test/medium/**/*.medium.test.ts'],
      globalSetup: '<rootDir>/test/medium/global-setup.ts',
      globalTeardown: '<rootDir>/test/medium/global-teardown.ts',
    },
    {
      ...shared,
      displayName: 'e2e',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e-timeout.ts'],
      slowTestThreshold: 30,
    },
  ],
  maxWorkers: 2,
};
