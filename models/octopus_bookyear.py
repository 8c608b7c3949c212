from odoo import fields, models


class OctopusBookyear(models.Model):
    """A bookyear as Octopus has it (read-only copy; Octopus owns it)."""

    _name = "octopus.bookyear"
    _description = "Octopus bookyear"
    _order = "date_start desc"

    dossier_id = fields.Many2one("octopus.dossier", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="dossier_id.company_id", store=True, index=True)
    octopus_key = fields.Integer(string="Octopus bookyear id", required=True, readonly=True)
    name = fields.Char(string="Description", readonly=True)
    date_start = fields.Date(string="Start", required=True, readonly=True)
    date_end = fields.Date(string="End", required=True, readonly=True)
    closed = fields.Boolean(readonly=True)
    period_ids = fields.One2many("octopus.bookyear.period", "bookyear_id", readonly=True)
    journal_year_ids = fields.One2many("octopus.journal.year", "bookyear_id", readonly=True)

    _sql_constraints = [
        ("unique_key", "unique(dossier_id, octopus_key)", "A bookyear is synchronised once per dossier."),
    ]
