export * from './topology.js';
export * from './bus.js';
