from odoo import api, fields, models

from ..octopus.limits import DAILY_LIMITS

POST_INVOICE = "POST /buysellbookings"


class OctopusBooking(models.Model):
    """Earlier invoices (issue 14): bookings queued by the history wizard go after each day's new
    postings, and only while the dossier's daily booking limit keeps its reserve for them."""

    # octopus.booking is split by concern (octopus_booking*.py), each file under 400 lines.
    _inherit = "octopus.booking"  # pylint: disable=consider-merging-classes-inherited

    history = fields.Boolean(readonly=True, index=True, default=False,
                             help="Posted before the link and queued by 'Send earlier invoices': sent after new "
                                  "postings, within the daily limit minus the dossier's reserve.")

    @api.model
    def _history_domain(self):
        """Keeps history bookings out of "due" for the dossiers whose invoice bookings today reached
        the daily limit minus their reserve (one query on today's counters)."""
        counters = self.env["octopus.call.counter"].sudo().search_fetch(
            [("day", "=", self.env["octopus.call.counter"]._today()), ("operation", "=", POST_INVOICE)],
            ["connection_id", "octopus_dossier_key", "count"])
        if not counters:
            return []
        used = {(c.connection_id.id, c.octopus_dossier_key): c.count for c in counters}
        dossiers = self.env["octopus.dossier"].sudo().search_fetch(
            [("octopus_key", "in", [key for _conn, key in used])],
            ["connection_id", "octopus_key", "history_reserve", "company_id"])
        full = dossiers.filtered(lambda d: used.get((d.connection_id.id, d.octopus_key), 0)
                                 >= DAILY_LIMITS[POST_INVOICE] - d.history_reserve)
        if not full:
            return []
        return ["|", ("history", "=", False), ("company_id", "not in", full.company_id.ids)]
