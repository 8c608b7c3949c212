from odoo import fields, models


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
    last_document_nr = fields.Integer(readonly=True)
    closed = fields.Boolean(readonly=True)
    closed_period = fields.Integer(readonly=True, help="Periods up to this number are closed.")
    protected_period = fields.Integer(readonly=True, help="Periods up to this number are protected.")

    _sql_constraints = [
        ("unique_year", "unique(journal_id, bookyear_id)", "One row per journal and bookyear."),
    ]
