from odoo import api, fields, models

from .octopus_bookyear import write_changed

JOURNAL_TYPES = [("A", "Purchase"), ("V", "Sale"), ("F", "Financial"), ("D", "Miscellaneous"), ("L", "Delivery notes")]


class OctopusJournal(models.Model):
    """An Octopus journal of a dossier (key such as V1, A1, F1), independent of the bookyear."""

    _name = "octopus.journal"
    _description = "Octopus journal"
    _order = "key"
    _rec_names_search = ["key", "name"]

    dossier_id = fields.Many2one("octopus.dossier", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="dossier_id.company_id", store=True, index=True)
    key = fields.Char(required=True, readonly=True)
    name = fields.Char(readonly=True)
    journal_type = fields.Selection(JOURNAL_TYPES, required=True, readonly=True)
    currency_code = fields.Char(readonly=True)
    insertion_type = fields.Integer(
        readonly=True, help="Sale journals only: 1 bookings, 2-3 invoices, 4-5 delivery notes (ref §4.2)."
    )
    year_ids = fields.One2many("octopus.journal.year", "journal_id", readonly=True)

    _sql_constraints = [
        ("unique_key", "unique(dossier_id, key)", "A journal key is unique per dossier."),
    ]

    def _compute_display_name(self):
        for journal in self:
            journal.display_name = f"{journal.key} {journal.name or ''}".strip()

    def _year_for(self, bookyear):
        """This journal's row for `bookyear` (empty when Octopus did not list it there)."""
        self.ensure_one()
        # One query: the push asks once or twice per booking, after commits that empty the cache.
        return self.env["octopus.journal.year"].search(
            [("journal_id", "=", self.id), ("bookyear_id", "=", bookyear.id)], limit=1
        )

    @api.model
    def _sync_journals(self, dossier, bookyear, journals):
        """Create or update journals and their state in `bookyear` from GET .../journals.

        Returns the bookyear's octopus.journal.year rows that Octopus listed.
        """
        existing = {j.key: j for j in self.search([("dossier_id", "=", dossier.id)])}
        years = self.env["octopus.journal.year"]
        types = dict(JOURNAL_TYPES)
        for data in journals:
            key = data.get("journalKey") or ""
            if key[:1] not in types:
                continue  # an unknown journal type cannot be mapped to anything in Odoo
            vals = {
                "name": data.get("name") or key,
                "journal_type": key[0],
                "currency_code": data.get("currencyCode") or False,
                "insertion_type": data.get("insertionType") or 0,
            }
            journal = existing.get(key)
            if journal:
                write_changed(journal, vals)
            else:
                journal = existing[key] = self.create({"dossier_id": dossier.id, "key": key, **vals})
            years |= years._sync_year(journal, bookyear, data)
        return years

    def _octopus_year_problems(self, period, closed=True):
        """What keeps a booking dated in `period` out of this journal: not known in its bookyear, and
        (with `closed`) the journal closed there or the period closed or protected."""
        self.ensure_one()
        year = self._year_for(period.bookyear_id)
        if not year:
            return [
                self.env._(
                    "Octopus journal %(journal)s is not known in bookyear %(year)s: synchronise the bookyears, then "
                    "press Send to Octopus.",
                    journal=self.key,
                    year=period.bookyear_id.name,
                )
            ]
        if not closed:
            return []
        if year.closed:
            return [
                self.env._(
                    "Octopus journal %(journal)s is closed in bookyear %(year)s: ask the accountant to reopen it, then "
                    "press Send to Octopus.",
                    journal=self.key,
                    year=period.bookyear_id.name,
                )
            ]
        limit = max(year.closed_period, year.protected_period)
        if limit and period.number <= limit:
            return [
                self.env._(
                    "Period %(period)s is closed or protected in Octopus journal %(journal)s: ask the accountant to "
                    "reopen it, or change the invoice date; then press Send to Octopus.",
                    period=period.number,
                    journal=self.key,
                )
            ]
        return []
