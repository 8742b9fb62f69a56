export * from './jobs-configuration.error.js';
export * from './duplicate-job-handler.error.js';
export * from './queue-conflict.error.js';
export * from './job-validation.error.js';
export * from './jobs-start.error.js';
export * from './jobs-not-running.error.js';
export * from './job-aborted.error.js';
