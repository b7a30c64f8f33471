import { POPULAR_DOMAINS } from '@zootools/email-spell-checker';

/**
 * Public mail providers shared by millions of people. Thousands of honest signers share each
 * of them, so per-domain limits skip them, and typo hints point only at them.
 */
export const PUBLIC_MAIL_PROVIDERS: ReadonlySet<string> = new Set([
  ...POPULAR_DOMAINS,
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'hotmail.co.uk', 'hotmail.fr', 'live.com', 'live.fr',
  'msn.com', 'yahoo.com', 'yahoo.fr', 'yahoo.co.uk', 'icloud.com', 'me.com', 'aol.com', 'proton.me', 'protonmail.com',
  'gmx.com', 'gmx.de', 'gmx.fr', 'gmx.net', 'gmx.at', 'gmx.ch', 'mail.com', 't-online.de', 'yahoo.de', 'web.de', 'orange.fr', 'wanadoo.fr', 'free.fr', 'laposte.net', 'sfr.fr',
  'mail.ru', 'bk.ru', 'inbox.ru', 'list.ru', 'yandex.ru', 'yandex.com', 'yandex.kz', 'ya.ru', 'rambler.ru',
  'ukr.net', 'i.ua', 'meta.ua', 'online.ua', 'mail.kz', 'inbox.kz', 'qq.com', 'zoho.com', 'tutanota.com', 'fastmail.com',
]);
