export * from './job-assertion.error.js';
export * from './jobs-testing.error.js';
