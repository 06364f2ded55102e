// The shared preset; the CLI runs the real engine in-process, so it needs the engine's environment.
module.exports = require('@verbatim/jest-config')(__dirname, { testEnvironment: require.resolve('@verbatim/asr/jest-environment.js') });
