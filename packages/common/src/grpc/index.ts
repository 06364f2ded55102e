export * from './types.js';
export * from './definition.js';
export * from './server.js';
export * from './client.js';
