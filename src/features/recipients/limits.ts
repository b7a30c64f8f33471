import type { Config } from '../../platform/config';
import type { LimitRule } from '../../platform/web/rate-limits';

/** Downloads of the delivered list per recipient link and hour: each exports every verified row. */
export function recipientDownloadRule(config: Config): LimitRule {
  return {
    name: 'recipient-download',
    prefix: 'recipient-download',
    points: config.RECIPIENT_DOWNLOADS_PER_LINK_PER_HOUR,
    seconds: 3600,
  };
}

/** The hourly per-network budget, in KiB, of the PDFs addressees attach to their responses. */
export function responseUploadRule(config: Config): LimitRule {
  return {
    name: 'response-kib',
    prefix: 'response-kib',
    points: config.RESPONSE_UPLOAD_MB_PER_NETWORK_PER_HOUR * 1024,
    seconds: 3600,
  };
}
