export { RecipientLink, RecipientLinkEvent } from './recipient-link.entity';
export { recipientLinksOfMember } from './recipient-links.service';
export { type DeliveryPanel, privateRecipientHeaders, recipientsRouter } from './recipients.router';
export {
  AttachmentTooLarge,
  RESPONSE_UPLOAD_BODY_LIMIT_BYTES,
  responseUploadChecks,
  responseUploadParser,
} from './response-upload';
export { recipientJobs } from './tasks';
