import type { TFunction } from 'i18next';
import type { Language } from '../web/languages';

declare global {
  namespace Express {
    interface Request {
      /** Interface language chosen for this request. */
      lang: Language;
      t: TFunction;
      id: string;
    }
  }
}

export {};
