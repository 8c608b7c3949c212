from odoo import fields, models


class OctopusAccount(models.Model):
    """A general-ledger account of the dossier (Octopus keys accounts by their number)."""

    _name = "octopus.account"
    _description = "Octopus account"
    _order = "number"
    _rec_names_search = ["number", "name"]

    dossier_id = fields.Many2one("octopus.dossier", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="dossier_id.company_id", store=True, index=True)
    number = fields.Integer(required=True, readonly=True)
    name = fields.Char(readonly=True)

    _sql_constraints = [
        ("unique_number", "unique(dossier_id, number)", "An account number is unique per dossier."),
    ]

    def _compute_display_name(self):
        for account in self:
            account.display_name = f"{account.number} {account.name or ''}".strip()
