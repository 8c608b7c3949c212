import logging

from odoo import api, fields, models

from .octopus_bookyear import write_changed
from .octopus_push_run import CONCURRENCY_ERRORS

_logger = logging.getLogger(__name__)


class OctopusJournalYear(models.Model):
    """A journal's state in one bookyear: numbering restarts per bookyear in Octopus.

    ``last_document_nr`` is the last number Octopus is known to hold; the push takes
    last + 1 and bumps it, so a batch needs no extra journal reads. The local number is a hint
    (Octopus checks every number): besides the reservation, a concurrent update may win.
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
    mapped_journal_ids = fields.Many2many(
        "account.journal", compute="_compute_mapped_journal_ids", string="Odoo journals"
    )

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
        vals = {
            "last_document_nr": data.get("lastBookedDocumentNr") or 0,
            "closed": bool(data.get("closed")),
            "closed_period": data.get("closedPeriod") or 0,
            "protected_period": data.get("protectedPeriod") or 0,
        }
        year = journal._year_for(bookyear)
        if year:
            write_changed(year, vals)
            return year
        return self.create({"journal_id": journal.id, "bookyear_id": bookyear.id, **vals})

    # -- numbering (the push) ----------------------------------------------------------------------

    def _reserve_number(self):
        """Last number + 1, counted at once so a parallel push of the same journal takes the next."""
        self.ensure_one()
        self.flush_recordset(["last_document_nr"])
        # A parallel push of the same journal that committed first makes this a serialization
        # failure: the push rolls back and takes the booking again, so it is not a "bad query" for
        # the server log.
        self.env.cr.execute(
            "UPDATE octopus_journal_year SET last_document_nr = last_document_nr + 1 "
            "WHERE id = %s RETURNING last_document_nr",
            [self.id],
            log_exceptions=False,
        )
        nr = self.env.cr.fetchone()[0]
        self.invalidate_recordset(["last_document_nr"])
        return nr

    def _release_number(self, nr):
        """Give back a number Octopus did not take, unless a later push already took the next."""
        self._update_number("last_document_nr = %s WHERE id = %s AND last_document_nr = %s", [nr - 1, self.id, nr])

    def _set_last_number(self, last):
        self._update_number("last_document_nr = %s WHERE id = %s", [last, self.id])

    def _keep_number(self, nr):
        """Octopus holds `nr`: the last number is at least that."""
        self._update_number("last_document_nr = GREATEST(last_document_nr, %s) WHERE id = %s", [nr, self.id])

    def _update_number(self, assignment, params):
        self.ensure_one()
        self.flush_recordset(["last_document_nr"])
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    f"UPDATE octopus_journal_year SET {assignment}",  # noqa: S608 (constant text)
                    params,
                    log_exceptions=False,  # a concurrent update is expected and logged below
                )
        except CONCURRENCY_ERRORS:
            _logger.info("Octopus journal number of %s updated concurrently; kept the other value.", self.id)
        self.invalidate_recordset(["last_document_nr"])
