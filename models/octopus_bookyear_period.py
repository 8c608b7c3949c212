from odoo import api, fields, models

from .octopus_bookyear import write_changed


class OctopusBookyearPeriod(models.Model):
    """A period with Octopus' own number (e.g. 202605, not 5): bookings must carry it."""

    _name = "octopus.bookyear.period"
    _description = "Octopus bookyear period"
    _order = "date_start"
    _rec_name = "number"

    bookyear_id = fields.Many2one("octopus.bookyear", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="bookyear_id.company_id", store=True)
    number = fields.Integer(required=True, readonly=True)
    date_start = fields.Date(required=True, readonly=True)
    date_end = fields.Date(required=True, readonly=True)

    _sql_constraints = [
        ("unique_number", "unique(bookyear_id, number)", "A period number is unique per bookyear."),
    ]

    @api.model
    def _sync_periods(self, bookyear, periods):
        """Make the bookyear's periods those Octopus lists (they carry no other data)."""
        existing = {p.number: p for p in bookyear.period_ids}
        seen = set()
        for data in periods:
            number = data["bookyearPeriod"]
            seen.add(number)
            vals = {"date_start": data["startDate"], "date_end": data["endDate"]}
            period = existing.get(number)
            if not period:
                self.create({"bookyear_id": bookyear.id, "number": number, **vals})
            else:
                write_changed(period, vals)
        bookyear.period_ids.filtered(lambda p: p.number not in seen).unlink()
