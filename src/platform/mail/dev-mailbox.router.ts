import { Router } from 'express';
import type { AppContext } from '../context';
import { NotFound } from '../web/errors';

interface MailRow {
  id: string;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  created_at: Date;
}

/** Development only (never mounted in production): the mail the platform would have sent. */
export function devMailboxRouter(ctx: AppContext): Router {
  const r = Router();
  r.get('/dev/mailbox', async (req, res) => {
    const messages: MailRow[] = await ctx.db.query(
      'SELECT id, recipient, subject, created_at FROM dev_mailbox ORDER BY id DESC LIMIT 100',
    );
    res.set('Cache-Control', 'no-store');
    res.render('mail/mailbox', { title: req.t('mailbox.title'), messages });
  });
  r.get('/dev/mailbox/:id', async (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id)) throw new NotFound();
    const [message] = await ctx.db.query<MailRow[]>('SELECT * FROM dev_mailbox WHERE id = $1', [id]);
    if (!message) throw new NotFound();
    // Links in the text part become clickable, so the journey can be finished locally.
    const parts = message.text_body.split(/(https?:\/\/[^\s<>"]+)/g);
    res.set('Cache-Control', 'no-store');
    res.render('mail/message', { title: message.subject, message, parts });
  });
  return r;
}
