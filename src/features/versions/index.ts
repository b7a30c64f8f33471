export {
  changeNotice,
  firstVersionNumber,
  keepRemovedText,
  signersOfCurrentText,
  versionForEdit,
  type ChangeNotice,
  type VersionDecision,
} from './text-versions.service';
export { versionJobs } from './tasks';
export { VERSIONS_CSS, versionsRouter } from './versions.router';
