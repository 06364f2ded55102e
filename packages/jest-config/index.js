// Shared jest preset: TypeScript through SWC (type checking is `tsc`'s job, not the test runner's),
// tests beside the code (src/**/*.test.ts) and against real services (test/**/*.test.ts).
/** @param {string} rootDir */
module.exports = function jestConfig(rootDir, overrides = {}) {
  return {
    rootDir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
    },
    moduleFileExtensions: ['ts', 'js', 'json'],
    // NodeNext sources import siblings as './x.js'; jest resolves them to the .ts file.
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    testTimeout: 60_000,
    ...overrides,
  };
};
