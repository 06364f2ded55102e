// Use from another package: testEnvironment: require.resolve("@verbatim/asr/jest-environment.js").
// Jest runs tests in a separate realm, so typed arrays made by onnxruntime-node's native code
// (main realm) fail onnxruntime-common's `instanceof Float32Array` checks (sandbox realm). This
// environment shares the main realm's typed-array constructors with the tests.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = ['ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
  'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];

class OnnxEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxEnvironment;
