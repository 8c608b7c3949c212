from odoo import api, fields, models


class OctopusBookyear(models.Model):
    """A bookyear as Octopus has it (read-only copy; Octopus owns it)."""

    _name = "octopus.bookyear"
    _description = "Octopus bookyear"
    _order = "date_start desc"

    dossier_id = fields.Many2one("octopus.dossier", required=True, ondelete="cascade", index=True, readonly=True)
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

    @api.model
    def _sync_bookyears(self, dossier, bookyears):
        """Create or update the dossier's bookyears from GET /bookyears; returns {octopus id: record}.

        A bookyear Octopus no longer lists is kept: invoices already sent may refer to it.
        """
        existing = {b.octopus_key: b for b in self.search([("dossier_id", "=", dossier.id)])}
        result = {}
        for data in bookyears:
            key = data["bookyearKey"]["id"]
            vals = {
                "name": data.get("bookyearDescription") or data["startDate"][:4],
                "date_start": data["startDate"],
                "date_end": data["endDate"],
                "closed": bool(data.get("closed")),
            }
            bookyear = existing.get(key)
            if bookyear:
                bookyear._write_changed(vals)
            else:
                bookyear = self.create({"dossier_id": dossier.id, "octopus_key": key, **vals})
            bookyear.period_ids._sync_periods(bookyear, data.get("periods") or [])
            result[key] = bookyear
        return result

    def _write_changed(self, vals):
        write_changed(self, vals)


def write_changed(record, vals):
    """Write only the scalar values that differ, so a repeated synchronisation touches nothing."""
    record.ensure_one()
    changed = {
        name: value
        for name, value in vals.items()
        if record[name] != record._fields[name].convert_to_cache(value, record)
    }
    if changed:
        record.write(changed)
