import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../platform/context';
import type { Letter } from '../../core/letters/letter.entity';
import { chooseTranslation } from '../../core/letters/letters.service';
import { currentOrganiser, requireLetterRole, requireOrganiser, type OrganiserLocals } from '../../core/access';
import { auditActor, setDigestEnabled } from '../../core/access';
import { parseForm } from '../../platform/web/validate';
import { handlersOf } from '../../platform/web/handlers';
import { countUpdateRecipients, publicResponses, recordOfficialResponse, responseRefusal } from './updates.service';
import { responseFormSchema } from './updates.schema';
import { cancelUpdate, postUpdate, showUpdates, UPDATES_CSS } from './update-pages';

export { UPDATES_CSS } from './update-pages';

type Form = { values: Record<string, unknown>; errors: Record<string, string> };
const emptyForm = (): Form => ({ values: {}, errors: {} });

function letterOf(res: Response): Letter {
  return (res.locals as OrganiserLocals).letter!;
}

/** Organisers' side of updates: write an update, record the official response, the digest setting. */
export function updatesOrganiseRouter(ctx: AppContext): Router {
  const r = Router();
  // Mass email and the official record are the owner's to send.
  const owner = [requireOrganiser, requireLetterRole(ctx, 'owner')];

  function titleOf(req: Request, letter: Letter): string {
    return chooseTranslation(letter.translations, letter.defaultLanguage, [req.lang]).title;
  }

  const on = handlersOf(ctx);
  r.get('/organise/letters/:slug/updates', ...owner, on(showUpdates));
  r.post('/organise/letters/:slug/updates', ...owner, on(postUpdate));
  r.post('/organise/letters/:slug/updates/:updateId/cancel', ...owner, on(cancelUpdate));

  async function renderResponse(req: Request, res: Response, form: Form, status = 200) {
    const letter = letterOf(res);
    res.status(status).render('updates/response-form', {
      title: req.t('updates.response.title'),
      headExtra: UPDATES_CSS,
      letter: { slug: letter.slug, title: titleOf(req, letter), delivered: !!letter.deliveredAt },
      responses: await publicResponses(ctx.db, letter.id),
      recipients: await countUpdateRecipients(ctx.db, letter.id),
      saved: req.query.saved === '1',
      form,
    });
  }

  r.get('/organise/letters/:slug/response', ...owner, async (req, res) => {
    await renderResponse(req, res, emptyForm());
  });

  r.post('/organise/letters/:slug/response', ...owner, async (req, res) => {
    const letter = letterOf(res);
    const values = req.body as Record<string, unknown>;
    const refusal = responseRefusal(letter);
    if (refusal) return renderResponse(req, res, { values, errors: refusal }, 422);
    const parsed = parseForm(responseFormSchema, req.body);
    if (!parsed.ok) return renderResponse(req, res, { values, errors: parsed.errors }, 422);
    await recordOfficialResponse(ctx, letter, parsed.data, auditActor(currentOrganiser(res)!));
    res.redirect(303, `/organise/letters/${letter.slug}/response?saved=1`);
  });

  r.get('/organise/settings/digest', requireOrganiser, (req, res) => {
    res.render('updates/digest-settings', {
      title: req.t('updates.digestSettings.title'),
      headExtra: UPDATES_CSS,
      enabled: currentOrganiser(res)!.digestEnabled,
      saved: req.query.saved === '1',
    });
  });

  r.post('/organise/settings/digest', requireOrganiser, async (req, res) => {
    await setDigestEnabled(ctx, currentOrganiser(res)!.id, (req.body as Record<string, unknown>)?.digest === 'on');
    res.redirect(303, '/organise/settings/digest?saved=1');
  });

  return r;
}
