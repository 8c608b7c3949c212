from odoo import api, fields, models

from .octopus_bookyear import write_changed


class OctopusJournalYear(models.Model):
    """A journal's state in one bookyear: numbering restarts per bookyear in Octopus.

    ``last_document_nr`` is the last number Octopus is known to hold; the push takes
    last + 1 and bumps it, so a batch needs no extra journal reads.
    """

    _name = "octopus.journal.year"
    _description = "Octopus journal per bookyear"
    _order = "bookyear_id desc, journal_id"

    journal_id = fields.Many2one("octopus.journal", required=True, ondelete="cascade", index=True)
    bookyear_id = fields.Many2one("octopus.bookyear", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="journal_id.company_id", store=True)
    journal_type = fields.Selection(related="journal_id.journal_type")
    last_document_nr = fields.Integer(readonly=True)
    closed = fields.Boolean(readonly=True)
    closed_period = fields.Integer(readonly=True, help="Periods up to this number are closed.")
    protected_period = fields.Integer(readonly=True, help="Periods up to this number are protected.")
    mapped_journal_ids = fields.Many2many("account.journal", compute="_compute_mapped_journal_ids",
                                          string="Odoo journals")

    _sql_constraints = [
        ("unique_year", "unique(journal_id, bookyear_id)", "One row per journal and bookyear."),
    ]

    def _compute_display_name(self):
        for year in self:
            year.display_name = f"{year.journal_id.display_name} / {year.bookyear_id.name}"

    def _compute_mapped_journal_ids(self):
        journals = self.env["account.journal"].search([("octopus_journal_id", "in", self.journal_id.ids)])
        for year in self:
            year.mapped_journal_ids = journals.filtered(lambda j, y=year: j.octopus_journal_id == y.journal_id)

    @api.model
    def _sync_year(self, journal, bookyear, data):
        """Store one JournalServiceData of `bookyear`; returns the row."""
        vals = {"last_document_nr": data.get("lastBookedDocumentNr") or 0,
                "closed": bool(data.get("closed")),
                "closed_period": data.get("closedPeriod") or 0,
                "protected_period": data.get("protectedPeriod") or 0}
        year = journal._year_for(bookyear)
        if year:
            write_changed(year, vals)
            return year
        return self.create({"journal_id": journal.id, "bookyear_id": bookyear.id, **vals})
