/** Job names and payloads of the recipients feature. */
export const TASK_RECIPIENT_LINK_EMAIL = 'recipient-link-email';

/** The link's id only: its mailed token is made when the mail is sent, so no payload holds a working link. */
export interface RecipientLinkEmailJob {
  linkId: string;
}
