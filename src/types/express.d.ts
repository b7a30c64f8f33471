import type { TFunction } from 'i18next';
import type { Language } from '../letters/letter.entity';

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
