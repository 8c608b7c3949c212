from odoo import api, fields, models

from .octopus_account import octopus_text
from .octopus_bookyear import write_changed


class OctopusCostCentre(models.Model):
    """A cost centre of the dossier (ref §4.11), read from Octopus: analytic accounts book on it."""

    _name = "octopus.cost.centre"
    _description = "Octopus cost centre"
    _order = "key"

    dossier_id = fields.Many2one("octopus.dossier", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="dossier_id.company_id", store=True, index=True)
    key = fields.Integer(string="Cost centre id", required=True, readonly=True)
    name = fields.Char(readonly=True)
    closed = fields.Boolean(readonly=True, help="Closed in Octopus: it takes no bookings.")

    _sql_constraints = [
        ("unique_key", "unique(dossier_id, key)", "A cost centre id is unique per dossier."),
    ]

    def _compute_display_name(self):
        for centre in self:
            centre.display_name = f"{centre.key} {centre.name or ''}".strip()

    @api.model
    def _sync_cost_centres(self, dossier, centres):
        """Make the dossier's cost centres those of GET /costcentres (closed ones included)."""
        existing = {c.key: c for c in self.search([("dossier_id", "=", dossier.id)])}
        seen = set()
        for data in centres:
            key = int(data["costCentreKey"]["id"])
            seen.add(key)
            vals = {"name": octopus_text(data.get("description"), self.env.lang), "closed": bool(data.get("closed"))}
            if key in existing:
                write_changed(existing[key], vals)
            else:
                self.create({"dossier_id": dossier.id, "key": key, **vals})
        self.browse(c.id for k, c in existing.items() if k not in seen).unlink()
