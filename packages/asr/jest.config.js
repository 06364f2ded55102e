// The shared preset, with an environment that lets onnxruntime-node's typed arrays through
// (see jest-environment.js; packages that run the engine in their tests use it too).
module.exports = require('@verbatim/jest-config')(__dirname, { testEnvironment: require.resolve('./jest-environment.js') });
