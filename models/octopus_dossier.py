from odoo import fields, models


class OctopusDossier(models.Model):
    """The link between one Odoo company and one Octopus dossier, found by VAT number."""

    _name = "octopus.dossier"
    _description = "Octopus dossier"
    _inherit = ["mail.thread"]
    _order = "name"

    name = fields.Char(required=True)
    connection_id = fields.Many2one("octopus.connection", required=True, ondelete="restrict")
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", index=True)
    octopus_key = fields.Integer(string="Octopus dossier id", required=True)
    vat = fields.Char(string="VAT number")
    bookyear_ids = fields.One2many("octopus.bookyear", "dossier_id")
    journal_ids = fields.One2many("octopus.journal", "dossier_id")
    account_ids = fields.One2many("octopus.account", "dossier_id")
    vat_code_ids = fields.One2many("octopus.vat.code", "dossier_id")
    last_sync_date = fields.Datetime(readonly=True)
    dossier_token = fields.Char(groups="base.group_system", copy=False)
    dossier_token_expiry = fields.Float(groups="base.group_system", copy=False)

    _sql_constraints = [
        ("unique_company", "unique(company_id)", "A company is linked to one Octopus dossier."),
        ("unique_dossier", "unique(connection_id, octopus_key)",
         "This Octopus dossier is already linked to another company."),
    ]
