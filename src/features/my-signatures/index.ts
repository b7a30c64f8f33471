export { MySignaturesLink } from './my-signatures-link.entity';
export { mySignaturesRouter } from './my-signatures.router';
export { forgetAddress } from './my-signatures.service';
export { mySignaturesJobs } from './tasks';
