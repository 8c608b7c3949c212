from odoo import fields, models


class OctopusVatCode(models.Model):
    """A VAT code of the dossier (dossier data: never hard-coded, ref §4.4)."""

    _name = "octopus.vat.code"
    _description = "Octopus VAT code"
    _order = "code"
    _rec_names_search = ["code", "name"]

    dossier_id = fields.Many2one("octopus.dossier", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="dossier_id.company_id", store=True, index=True)
    code = fields.Char(required=True, readonly=True)
    name = fields.Char(readonly=True)
    vat_type = fields.Selection([("1", "Purchase"), ("2", "Sale"), ("3", "Purchase credit note"),
                                 ("4", "Sale credit note")], readonly=True)
    percentage = fields.Float(readonly=True)

    _sql_constraints = [
        ("unique_code", "unique(dossier_id, code)", "A VAT code is unique per dossier."),
    ]

    def _compute_display_name(self):
        for code in self:
            code.display_name = f"{code.code} {code.name or ''}".strip()
