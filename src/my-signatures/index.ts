export { MySignaturesLink } from './my-signatures-link.entity';
export { mySignaturesRouter } from './my-signatures.router';
export { mySignaturesJobs } from './tasks';
