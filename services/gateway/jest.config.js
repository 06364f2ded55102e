const base = require('@verbatim/jest-config')(__dirname);

// fastify's inject() (light-my-request) requires cookie@2, which ships only as ES modules; Node 20
// loads it natively, jest's module runtime does not, so that one package is compiled to CommonJS.
module.exports = {
  ...base,
  transform: {
    ...base.transform,
    '/cookie/dist/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['^(?!.*/node_modules/\\.pnpm/cookie@).*/node_modules/'],
};
