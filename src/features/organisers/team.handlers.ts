import type { Request, Response } from 'express';
import { NotFound } from '../../platform/web/errors';
import { parseForm } from '../../platform/web/validate';
import { currentOrganiser } from '../../core/access/auth.middleware';
import { auditActor, removeRole } from '../../core/access/organisers.service';
import { removalPreview } from '../../core/access/member-access';
import { removeMemberSchema, roleSchema } from './moderation-form.schema';
import { inviteToTeam, revokeInvitation, teamOf } from './invitations.service';
import { formFromLetter, renderLetterForm } from './letter-form.handlers';
import { locals, type OrganiseDeps } from './organise-deps';

/* A letter's team, managed by its owners; errors show on the letter form's team section. */

// Adding an address sends it an invitation, whatever the address: the answer is the same for an
// organiser's address and for any other (no oracle), and nobody joins without accepting.
export async function inviteMember({ ctx }: OrganiseDeps, req: Request, res: Response): Promise<void> {
  const { letter } = locals(res);
  const parsed = parseForm(roleSchema, req.body);
  if (parsed.ok) {
    await inviteToTeam(ctx, letter, parsed.data, auditActor(currentOrganiser(res)!), req.lang);
    return res.redirect(303, `/organise/letters/${letter.slug}/edit?invited=1#team`);
  }
  await renderLetterForm(ctx, req, res, {
    mode: 'edit',
    values: formFromLetter(letter),
    status: 422,
    team: await teamOf(ctx.db, letter.id),
    teamErrors: parsed.errors,
  });
}

export async function revokeMemberInvitation({ ctx }: OrganiseDeps, req: Request, res: Response): Promise<void> {
  const { letter } = locals(res);
  if (!(await revokeInvitation(ctx, letter.id, String(req.params.id), auditActor(currentOrganiser(res)!))))
    throw new NotFound();
  res.redirect(303, `/organise/letters/${letter.slug}/edit?saved=1#team`);
}

// Removing a member (or leaving) ends what they handed out on the letter. When there is any,
// the owner sees it listed first and confirms, choosing to revoke it or to take it over.
export async function removeMember({ ctx, above }: OrganiseDeps, req: Request, res: Response): Promise<void> {
  const { letter } = locals(res);
  const me = currentOrganiser(res)!;
  const parsed = parseForm(removeMemberSchema, req.body);
  const organiserId = parsed.ok ? parsed.data.organiserId : '';
  const preview = organiserId ? await removalPreview(ctx.db, letter.id, organiserId, above.memberAccess ?? []) : null;
  let outcome: Awaited<ReturnType<typeof removeRole>> = 'not-found';
  if (parsed.ok && preview) {
    const leaving = organiserId === me.id;
    const label = preview.member.name || preview.member.email;
    if (!parsed.data.confirm && preview.groups.length) {
      return res.render('organise/remove-member', {
        title: req.t(leaving ? 'organisers.removeMember.leaveTitle' : 'organisers.removeMember.title', {
          member: label,
        }),
        slug: letter.slug,
        member: { id: organiserId, label },
        groups: preview.groups,
        leaving,
      });
    }
    outcome = await removeRole(ctx.db, letter.id, organiserId, auditActor(me), {
      handOver: !leaving && parsed.data.handOver === 'me',
    });
  }
  if (outcome === 'removed')
    return res.redirect(
      303,
      organiserId === me.id ? '/organise' : `/organise/letters/${letter.slug}/edit?saved=1#team`,
    );
  await renderLetterForm(ctx, req, res, {
    mode: 'edit',
    values: formFromLetter(letter),
    status: 422,
    team: await teamOf(ctx.db, letter.id),
    teamErrors: { remove: outcome === 'last-owner' ? 'organisers.errors.lastOwner' : 'organisers.errors.invalid' },
  });
}
