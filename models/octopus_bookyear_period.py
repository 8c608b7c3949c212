from odoo import fields, models


class OctopusBookyearPeriod(models.Model):
    """A period with Octopus' own number (e.g. 202605, not 5): bookings must carry it."""

    _name = "octopus.bookyear.period"
    _description = "Octopus bookyear period"
    _order = "date_start"

    bookyear_id = fields.Many2one("octopus.bookyear", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="bookyear_id.company_id", store=True)
    number = fields.Integer(required=True, readonly=True)
    date_start = fields.Date(required=True, readonly=True)
    date_end = fields.Date(required=True, readonly=True)
