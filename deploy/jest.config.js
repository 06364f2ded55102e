module.exports = require('@verbatim/jest-config')(__dirname, { testMatch: ['<rootDir>/test/**/*.test.ts'], testTimeout: 120_000 });
