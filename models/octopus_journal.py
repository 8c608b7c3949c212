from odoo import fields, models


class OctopusJournal(models.Model):
    """An Octopus journal of a dossier (key such as V1, A1, F1), independent of the bookyear."""

    _name = "octopus.journal"
    _description = "Octopus journal"
    _order = "key"
    _rec_names_search = ["key", "name"]

    dossier_id = fields.Many2one("octopus.dossier", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="dossier_id.company_id", store=True, index=True)
    key = fields.Char(required=True, readonly=True)
    name = fields.Char(readonly=True)
    journal_type = fields.Selection([("A", "Purchase"), ("V", "Sale"), ("F", "Financial"),
                                     ("D", "Miscellaneous"), ("L", "Delivery notes")],
                                    required=True, readonly=True)
    currency_code = fields.Char(readonly=True)
    year_ids = fields.One2many("octopus.journal.year", "journal_id", readonly=True)

    _sql_constraints = [
        ("unique_key", "unique(dossier_id, key)", "A journal key is unique per dossier."),
    ]

    def _compute_display_name(self):
        for journal in self:
            journal.display_name = f"{journal.key} {journal.name or ''}".strip()
