import logging
from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_datetime

from .octopus_push_run import within_budget

_logger = logging.getLogger(__name__)

CRON_XMLID = "account_octopus.ir_cron_octopus_first_sync"
# Calls a first synchronisation makes in one dossier (a connect, the bookyears, the journals of at
# most two open bookyears, the accounts and the VAT codes); all are counted per dossier and day.
FIRST_SYNC_CALLS = {
    "POST /dossiers": 1,
    "GET /bookyears": 1,
    "GET /journals": 2,
    "GET /accounts": 1,
    "GET /vatcodes": 1,
}
# Dossiers synchronised while a person waits after "Link companies": about seven calls each, so a
# batch stays within a few seconds; the scheduled job does the rest within its time budget.
SYNC_BATCH = 5
NEXT_DAY_MARGIN = timedelta(minutes=5)


class OctopusDossier(models.Model):
    """Dossiers linked in bulk wait for their first synchronisation here.

    "Link companies" synchronises a first batch at once; the others are marked pending and the
    scheduled job "Octopus: first synchronisation" takes them one at a time within its time budget
    (fresh runs for the rest), today for those whose daily call limits still allow it, tomorrow
    (UTC, like the call counters) for the others.
    """

    _inherit = "octopus.dossier"  # pylint: disable=consider-merging-classes-inherited

    first_sync_pending = fields.Boolean(
        string="Waiting for its first synchronisation",
        readonly=True,
        copy=False,
        help="Linked by 'Link companies'; the scheduled job synchronises it within Octopus' daily limits.",
    )

    def _link_message(self):
        self.ensure_one()
        return self.env._(
            "%(company)s is now linked to the Octopus dossier %(dossier)s. Next: synchronise its bookyears.",
            company=self.company_id.name,
            dossier=self.display_name,
        )

    def _fits_today(self):
        """Whether today's daily limits of this dossier leave room for a whole synchronisation."""
        self.ensure_one()
        counter = self.env["octopus.call.counter"]
        for operation, calls in FIRST_SYNC_CALLS.items():
            remaining = counter._remaining(self.connection_id, operation, self.octopus_key)
            if remaining is not None and remaining < calls:
                return False
        return True

    def _sync_batch(self):
        """Synchronise up to SYNC_BATCH of these dossiers that fit today; the others stay pending.

        Each dossier in a savepoint: one that fails keeps its copies as they were and stays pending.
        Returns (synchronised dossiers, {dossier: error message}).
        """
        done, failed = self.browse(), {}
        for dossier in self:
            if len(done) + len(failed) >= self._sync_batch_size():
                break
            if not dossier._fits_today():
                continue
            try:
                with self.env.cr.savepoint():
                    dossier.with_company(dossier.company_id)._synchronise()
            except UserError as exc:
                failed[dossier] = exc.args[0]
                _logger.info("Octopus dossier %s: first synchronisation failed", dossier.id)
                continue
            done |= dossier
        done.write({"first_sync_pending": False})
        (self - done).write({"first_sync_pending": True})
        return done, failed

    def _sync_batch_size(self):
        return SYNC_BATCH

    def _schedule_first_sync(self, now=True):
        """Wake the scheduled job for the pending dossiers: now (unless `now` is False) for those that
        fit today, tomorrow for the others. Returns when those follow (None: all fit today)."""
        if not self:
            return None
        cron = self.env.ref(CRON_XMLID)
        if now and any(dossier._fits_today() for dossier in self):
            cron._trigger()
        if all(dossier._fits_today() for dossier in self):
            return None
        tomorrow = self.env["octopus.call.counter"]._today() + timedelta(days=1)
        at = datetime.combine(tomorrow, time.min) + NEXT_DAY_MARGIN
        cron._trigger(at=at)
        return at

    def _first_sync_summary(self, done, failed, pending, at):
        """One sentence per outcome of a bulk synchronisation, in the user's language."""
        lines = []
        if done:
            lines.append(self.env._("Synchronised: %(dossiers)s.", dossiers=", ".join(done.mapped("display_name"))))
        lines += [
            self.env._("%(dossier)s: %(error)s", dossier=dossier.display_name, error=error)
            for dossier, error in failed.items()
        ]
        today = pending.filtered(lambda d: d._fits_today())
        if today:
            lines.append(
                self.env._(
                    "%(count)s more follow in the background within minutes: %(dossiers)s.",
                    count=len(today),
                    dossiers=", ".join(today.mapped("display_name")),
                )
            )
        if pending - today:
            lines.append(
                self.env._(
                    "%(count)s wait for tomorrow, because today's Octopus call limits of their dossiers are used; "
                    "they follow from %(when)s: %(dossiers)s.",
                    count=len(pending - today),
                    when=format_datetime(self.env, at),
                    dossiers=", ".join((pending - today).mapped("display_name")),
                )
            )
        return lines

    @api.model
    def _cron_octopus_first_sync(self):
        """Scheduled job: synchronise the dossiers waiting for their first synchronisation that fit
        today, one at a time within the run's time budget (issue 19); what is left gets a fresh run."""
        pending = self.search([("first_sync_pending", "=", True)])
        done = self.browse()
        for dossier in within_budget(pending.filtered(lambda d: d._fits_today()), CRON_XMLID):
            done |= dossier._sync_batch()[0]
        # those that failed wait for the next daily run; those over today's limits for tomorrow
        (pending - done)._schedule_first_sync(now=False)
