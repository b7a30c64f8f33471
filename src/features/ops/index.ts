export { recordJobOutcome, requestMetrics } from './metrics';
export { opsRouter } from './ops.router';
