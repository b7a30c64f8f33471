import { Initial1764201600000 } from './1764201600000-Initial';
import { SignatureModeration1764201650000 } from './1764201650000-SignatureModeration';
import { Organisers1764201700000 } from './1764201700000-Organisers';
import { UpdatesResponsesPaper1764201750000 } from './1764201750000-UpdatesResponsesPaper';
import { AbusePrivacy1764201800000 } from './1764201800000-AbusePrivacy';
import { ExportAudit1764201850000 } from './1764201850000-ExportAudit';
import { PublicSignatoriesIndex1764201950000 } from './1764201950000-PublicSignatoriesIndex';
import { JobOutbox1764202000000 } from './1764202000000-JobOutbox';
import { ConfirmationPage1764203000000 } from './1764203000000-ConfirmationPage';
import { TeamInvitations1764204000000 } from './1764204000000-TeamInvitations';
import { RetentionRecords1764205000000 } from './1764205000000-RetentionRecords';
import { ShortTitles1764207000000 } from './1764207000000-ShortTitles';
import { AuditTrail1764300000000 } from './1764300000000-AuditTrail';
import { ModerationOutcomes1764300100000 } from './1764300100000-ModerationOutcomes';
import { TextVersions1764310000000 } from './1764310000000-TextVersions';
import { IntegrityCounters1764320000000 } from './1764320000000-IntegrityCounters';
import { ChallengeMode1764360000000 } from './1764360000000-ChallengeMode';
import { HeldQueue1764370000000 } from './1764370000000-HeldQueue';
import { RecipientLinks1764400000000 } from './1764400000000-RecipientLinks';
import { MySignatures1764400100000 } from './1764400100000-MySignatures';
import { CountHistory1764400200000 } from './1764400200000-CountHistory';
import { ApiWebhooks1764400300000 } from './1764400300000-ApiWebhooks';
import { TextDiffs1765000100000 } from './1765000100000-TextDiffs';
import { HeldResponses1765000300000 } from './1765000300000-HeldResponses';
import { AttachmentsAsLargeObjects1765000400000 } from './1765000400000-AttachmentsAsLargeObjects';
import { WebhookEndpointHealth1765000500000 } from './1765000500000-WebhookEndpointHealth';
import { AccessEndsWithOwner1765000600000 } from './1765000600000-AccessEndsWithOwner';
import { AuditDetails1765000700000 } from './1765000700000-AuditDetails';
import { AuditChain1765000710000 } from './1765000710000-AuditChain';
import { AutoReleaseBounds1765000800000 } from './1765000800000-AutoReleaseBounds';
import { AccessTrailDetails1765000900000 } from './1765000900000-AccessTrailDetails';
import { SignatoriesList1765100000000 } from './1765100000000-SignatoriesList';
import { PublicListFiles1765100100000 } from './1765100100000-PublicListFiles';
import { InstanceAdmin1765200500000 } from './1765200500000-InstanceAdmin';
import { FindingLetters1765200600000 } from './1765200600000-FindingLetters';
import { LetterReports1765200610000 } from './1765200610000-LetterReports';
import { ResponseClock1765200300000 } from './1765200300000-ResponseClock';
import { ProgressDigests1765200310000 } from './1765200310000-ProgressDigests';
import { SignerWordsAndFields1765200000000 } from './1765200000000-SignerWordsAndFields';
import { NotableAndAffiliations1765200100000 } from './1765200100000-NotableAndAffiliations';
import { UpdateVersionsSegments1765200400000 } from './1765200400000-UpdateVersionsSegments';
import { SignatoryFunctionsPlannedOnce1765200200000 } from './1765200200000-SignatoryFunctionsPlannedOnce';
import { HeaderImages1765200700000 } from './1765200700000-HeaderImages';
import { LetterTemplates1765200710000 } from './1765200710000-LetterTemplates';
import { Cosponsors1765200720000 } from './1765200720000-Cosponsors';
import { SignatorySearchWords1765300100000 } from './1765300100000-SignatorySearchWords';
import { StartALetter1765200510000 } from './1765200510000-StartALetter';
import { ConfirmWritesLess1765300200000 } from './1765300200000-ConfirmWritesLess';

/** Listed by hand so every runtime (tsx, swc, compiled JS) sees the same migrations in order. */
export const migrations = [
  Initial1764201600000,
  SignatureModeration1764201650000,
  Organisers1764201700000,
  UpdatesResponsesPaper1764201750000,
  AbusePrivacy1764201800000,
  ExportAudit1764201850000,
  PublicSignatoriesIndex1764201950000,
  JobOutbox1764202000000,
  ConfirmationPage1764203000000,
  TeamInvitations1764204000000,
  RetentionRecords1764205000000,
  ShortTitles1764207000000,
  AuditTrail1764300000000,
  ModerationOutcomes1764300100000,
  TextVersions1764310000000,
  IntegrityCounters1764320000000,
  ChallengeMode1764360000000,
  HeldQueue1764370000000,
  RecipientLinks1764400000000,
  MySignatures1764400100000,
  CountHistory1764400200000,
  ApiWebhooks1764400300000,
  TextDiffs1765000100000,
  HeldResponses1765000300000,
  AttachmentsAsLargeObjects1765000400000,
  WebhookEndpointHealth1765000500000,
  AccessEndsWithOwner1765000600000,
  AuditDetails1765000700000,
  AuditChain1765000710000,
  AutoReleaseBounds1765000800000,
  AccessTrailDetails1765000900000,
  SignatoriesList1765100000000,
  PublicListFiles1765100100000,
  SignerWordsAndFields1765200000000,
  NotableAndAffiliations1765200100000,
  SignatoryFunctionsPlannedOnce1765200200000,
  ResponseClock1765200300000,
  ProgressDigests1765200310000,
  UpdateVersionsSegments1765200400000,
  InstanceAdmin1765200500000,
  StartALetter1765200510000,
  FindingLetters1765200600000,
  LetterReports1765200610000,
  HeaderImages1765200700000,
  LetterTemplates1765200710000,
  Cosponsors1765200720000,
  SignatorySearchWords1765300100000,
  ConfirmWritesLess1765300200000,
];
