from datetime import datetime, time

from odoo import api, fields, models

from ..octopus.limits import DAILY_LIMITS

POST_INVOICE = "POST /buysellbookings"


class OctopusBooking(models.Model):
    """Earlier invoices (issue 14): bookings queued by the history wizard go after each day's new
    postings, and at most 400 minus the dossier's reserve a day, so the reserve stays for the
    day's new invoices."""

    # octopus.booking is split by concern (octopus_booking*.py), each file under 400 lines.
    _inherit = "octopus.booking"  # pylint: disable=consider-merging-classes-inherited

    history = fields.Boolean(
        readonly=True,
        index=True,
        default=False,
        help="Posted before the link and queued by 'Send earlier invoices': sent after new "
        "postings, at most the daily limit minus the dossier's reserve a day.",
    )

    @api.model
    def _history_domain(self):
        """Keeps history bookings out of "due" for the companies that sent their day's share of them
        already (one grouped count of today's history sends)."""
        today = datetime.combine(fields.Datetime.now().date(), time.min)
        sent_today = self.sudo()._read_group(
            [("history", "=", True), ("sent_at", ">=", today)], ["company_id"], ["__count"]
        )
        full = [
            company.id
            for company, count in sent_today
            if count >= DAILY_LIMITS[POST_INVOICE] - company.octopus_dossier_id.history_reserve
        ]
        if not full:
            return []
        return ["|", ("history", "=", False), ("company_id", "not in", full)]
