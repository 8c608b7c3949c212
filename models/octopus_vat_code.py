from odoo import api, fields, models

from .octopus_account import octopus_text
from .octopus_bookyear import write_changed


class OctopusVatCode(models.Model):
    """A VAT code of the dossier (dossier data: never hard-coded, ref §4.4)."""

    _name = "octopus.vat.code"
    _description = "Octopus VAT code"
    _order = "code"
    _rec_names_search = ["code", "name"]

    dossier_id = fields.Many2one("octopus.dossier", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="dossier_id.company_id", store=True, index=True)
    code = fields.Char(required=True, readonly=True)
    name = fields.Char(readonly=True)
    vat_type = fields.Selection(
        [("1", "Purchase"), ("2", "Sale"), ("3", "Purchase credit note"), ("4", "Sale credit note")], readonly=True
    )
    percentage = fields.Float(readonly=True)

    _sql_constraints = [
        ("unique_code", "unique(dossier_id, code)", "A VAT code is unique per dossier."),
    ]

    def _compute_display_name(self):
        for code in self:
            code.display_name = f"{code.code} {code.name or ''}".strip()

    @api.model
    def _sync_vat_codes(self, dossier, vat_codes):
        """Make the dossier's VAT codes those of GET /vatcodes."""
        existing = {c.code: c for c in self.search([("dossier_id", "=", dossier.id)])}
        types = dict(self._fields["vat_type"].selection)
        seen = set()
        for data in vat_codes:
            code = str(data["code"])
            seen.add(code)
            vat_type = str(data.get("type") or "")
            vals = {
                "name": octopus_text(data.get("description"), self.env.lang),
                "vat_type": vat_type if vat_type in types else False,
                "percentage": float(data.get("basePercentage") or 0.0),
            }
            record = existing.get(code)
            if record:
                write_changed(record, vals)
            else:
                self.create({"dossier_id": dossier.id, "code": code, **vals})
        self.browse(c.id for k, c in existing.items() if k not in seen).unlink()
