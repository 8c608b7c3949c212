import logging
from datetime import timedelta

import requests

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..octopus import errors
from .octopus_call_counter import RESERVE
from .octopus_push_run import cycle_began, within_budget

_logger = logging.getLogger(__name__)

PAYMENTS_CRON_XMLID = "account_octopus.ir_cron_octopus_payments"
# Octopus states 48 calls a day for each ".../modified" read (ref §5.8). Whether it counts them
# together is not documented, so the payment read assumes it does: it only reads while the
# dossier's ".../modified" reads of the day, all together, stay under 48 less the calls the
# push keeps back for its lost-reply checks.
MODIFIED_DAILY = 48
MODIFIED_KEPT = sum(n for operation, n in RESERVE.items() if operation.endswith("/modified"))
# Each read starts this long before the previous one began: Octopus' time zone is not documented
# (UTC or Brussels, ref §5.7), and reading a balancing twice changes nothing.
READ_OVERLAP = timedelta(hours=3)


class OctopusDossier(models.Model):
    """Octopus -> Odoo payment status: read GET /balancings/modified from the last read (with an
    overlap) and apply it through octopus.balancing. The scheduled job reads each linked dossier a
    few times a day; the dossier's button reads it now."""

    _inherit = "octopus.dossier"  # pylint: disable=consider-merging-classes-inherited

    balancings_read_at = fields.Datetime(
        string="Payments read on",
        readonly=True,
        copy=False,
        help="When Odoo last read the balancings (payments) of this dossier in Octopus; the next read "
        "starts a little before.",
    )
    balancing_ids = fields.One2many("octopus.balancing", "dossier_id", readonly=True)

    # -- entry points ----------------------------------------------------------------------------

    @api.model
    def _cron_read_payments(self):
        """The scheduled job: each active dossier not read yet in this cycle, the least recently read
        first, within the run's time budget (like the push); what is left gets a fresh run."""
        with_commit = self.env["account.move"]._can_commit()
        since = cycle_began(self.env.ref(PAYMENTS_CRON_XMLID).sudo())
        dossiers = self.search(
            [
                ("connection_id.active", "=", True),
                "|",
                ("balancings_read_at", "=", False),
                ("balancings_read_at", "<=", since),
            ],
            order="balancings_read_at asc nulls first, id",
        )
        for dossier in within_budget(dossiers, PAYMENTS_CRON_XMLID):
            try:
                dossier.with_company(dossier.company_id)._read_payments()
            except (errors.OctopusError, requests.RequestException, UserError) as exc:
                _logger.info("Octopus dossier %s: payments not read (%s); next run tries again", dossier.id, exc)
                if with_commit:
                    self.env.cr.rollback()
            if with_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit

    def action_read_payments(self):
        """Button: read the payments of this dossier in Octopus now."""
        self.ensure_one()
        self.check_access("write")
        title = self.env._("Payments of %(dossier)s", dossier=self.display_name)
        try:
            result, moves = self._read_payments()
        except (errors.OctopusError, requests.RequestException) as exc:
            raise UserError(
                self.env._(
                    "The payments could not be read in Octopus; nothing was changed. %(reason)s",
                    reason=self.connection_id._error_message(exc),
                )
            ) from exc
        messages = {
            "nothing": self.env._(
                "No invoice of this company is booked in Octopus yet: there are no payments to read."
            ),
            "limit": self.env._(
                "Octopus allows 48 reads of changes a day and they are used today: the scheduled "
                "job reads the payments tomorrow, from where the last read stopped."
            ),
            "read": self.env._("Payments read: %(count)s invoice(s) changed status.", count=len(moves)),
        }
        return self.connection_id._notify(
            title,
            messages[result],
            "warning" if result == "limit" else "success",
            {"type": "ir.actions.client", "tag": "soft_reload"},
        )

    # -- the read ----------------------------------------------------------------------------------

    def _read_payments(self):
        """One read of this dossier's balancings: ("read" | "nothing" | "limit", moves changed).
        The stored timestamp only moves on after a read that was applied, so a read that waits
        (daily limit) or fails misses nothing."""
        self.ensure_one()
        moves = self.env["account.move"]
        since = self._payments_since()
        if since is None:
            return "nothing", moves
        if self._modified_reads_left() <= 0:
            return "limit", moves
        started = fields.Datetime.now()
        try:
            modified, deleted = self._get_api().modified_balancings(since)
        except errors.DailyLimitReached:
            return "limit", moves
        # sudo: the payment status, and the payments it registers, are the addon's work for the company
        moves = (
            self.env["octopus.balancing"].sudo().with_company(self.company_id)._octopus_apply(self, modified, deleted)
        )
        self.sudo().balancings_read_at = started
        return "read", moves

    def _payments_since(self):
        """From when to read: the last read less the overlap; the first read from the first booking
        Odoo sent (nothing can be balanced before); None while nothing was sent."""
        if self.balancings_read_at:
            return self.balancings_read_at - READ_OVERLAP
        first = (
            self.env["octopus.booking"]
            .sudo()
            .search(
                [("company_id", "=", self.company_id.id), ("state", "=", "sent"), ("sent_at", "!=", False)],
                order="sent_at",
                limit=1,
            )
        )
        return first.sent_at - READ_OVERLAP if first else None

    def _modified_reads_left(self):
        """How many ".../modified" reads of this dossier the payment read may still make today."""
        counters = (
            self.env["octopus.call.counter"]
            .sudo()
            .search(
                [
                    ("connection_id", "=", self.connection_id.id),
                    ("octopus_dossier_key", "=", self.octopus_key),
                    ("day", "=", self.env["octopus.call.counter"]._today()),
                    ("operation", "=like", "%/modified"),
                ]
            )
        )
        return MODIFIED_DAILY - MODIFIED_KEPT - sum(counters.mapped("count"))
