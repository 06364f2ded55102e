// The services under test are built (turbo's ^build) and run as separate processes.
module.exports = require('@verbatim/jest-config')(__dirname, {
  testMatch: ['<rootDir>/e2e/**/*.test.ts'],
  testTimeout: 300_000,
});
