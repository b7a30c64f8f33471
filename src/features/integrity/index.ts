export {
  foldIntegrityDeltas,
  integrityReport,
  verificationFunnel,
  type FunnelDay,
  type IntegrityReport,
} from './integrity.service';
export { integrityRouter } from './integrity.router';
export { integrityJobs } from './tasks';
