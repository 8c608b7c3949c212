from datetime import datetime, time, timedelta

from odoo import api, fields, models

from ..octopus import booking as octopus_booking
from ..octopus import errors
from .octopus_dossier_payments import READ_OVERLAP

# How long the copy of a dossier's purchase bookings is trusted before the changes are read again:
# one read an hour at most, whatever the number of bills (24 of Octopus' 48 a day at worst).
PURCHASES_FRESHNESS = timedelta(hours=1)
PURCHASES_READ = "GET /buysellbookings/modified"
# Of that read's calls a day, left to the difference report and "Send earlier invoices" (the
# push's own lost-reply checks have their reserve in octopus_call_counter.RESERVE).
PURCHASES_KEPT = 4
FIRST_READ_FALLBACK = timedelta(days=366)  # no open bookyear known: read one year back


class OctopusPurchaseBooking(models.Model):
    """The dossier's purchase bookings as Octopus lists them, kept to compare each vendor bill with
    before it is booked: Octopus receives Peppol invoices into its own inbox, so a bill can already
    be there (issue 17). One read of the bookings modified since the last read serves every bill
    of the next hour; no read is made per bill."""

    _name = "octopus.purchase.booking"
    _description = "Octopus purchase booking (copy)"
    _order = "bookyear_key, journal_key, document_nr"
    _rec_name = "number"

    dossier_id = fields.Many2one("octopus.dossier", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="dossier_id.company_id", store=True, index=True)
    bookyear_key = fields.Integer(string="Octopus bookyear id", readonly=True)
    journal_key = fields.Char(readonly=True)
    document_nr = fields.Integer(string="Octopus document number", readonly=True)
    number = fields.Char(string="Octopus number", readonly=True)
    relation_key = fields.Integer(string="Octopus relation id", index=True, readonly=True)
    reference = fields.Char(readonly=True)
    reference_key = fields.Char(index=True, readonly=True, help="The reference without spaces, in capitals.")
    amount = fields.Float(readonly=True, digits=(16, 2))
    document_date = fields.Date(readonly=True)
    fingerprint = fields.Json(readonly=True, help="octopus.booking.fingerprint of the booking as listed.")

    _sql_constraints = [
        (
            "unique_number",
            "unique(dossier_id, bookyear_key, journal_key, document_nr)",
            "One copy per Octopus booking.",
        )
    ]

    @api.model
    def _octopus_refresh(self, dossier, dossier_api):
        """Bring the copy up to date when older than PURCHASES_FRESHNESS: one read of the buy/sell
        bookings modified since the last read (less an overlap, Octopus' time zone being unknown).
        Returns whether the copy is current; it stays as it is when today's share of that read is
        used (the bills are then compared with it as it is)."""
        read_at = dossier.purchases_read_at
        now = fields.Datetime.now()
        if read_at and now - read_at < PURCHASES_FRESHNESS:
            return True
        counter = self.env["octopus.call.counter"]
        left = counter._remaining(dossier.connection_id, PURCHASES_READ, dossier.octopus_key)
        if left is not None and left <= PURCHASES_KEPT:
            return False
        since = read_at - READ_OVERLAP if read_at else self._first_read_since(dossier)
        try:
            listing = dossier_api.modified_buysell_bookings(-1, None, since)
        except errors.DailyLimitReached:
            return False
        self._octopus_store(dossier, listing)
        dossier.sudo().purchases_read_at = now
        return True

    @api.model
    def _first_read_since(self, dossier):
        """The first read starts the day before the oldest open bookyear."""
        starts = dossier.bookyear_ids.filtered(lambda b: not b.closed).mapped("date_start")
        if not starts:
            return fields.Datetime.now() - FIRST_READ_FALLBACK
        return datetime.combine(min(starts), time.min) - timedelta(days=1)

    @api.model
    def _octopus_store(self, dossier, listing):
        """Write the purchase bookings (journals A…) of `listing`, replacing their earlier copies."""
        names = {b.octopus_key: b.name for b in dossier.bookyear_ids}
        rows = {}
        for held in listing:
            journal = held.get("journalKey") or ""
            if not journal.startswith("A"):
                continue
            bookyear = (held.get("bookyearKey") or {}).get("id")
            nr = held.get("documentSequenceNr")
            fingerprint = octopus_booking.fingerprint(held)
            rows[(bookyear, journal, nr)] = {
                "dossier_id": dossier.id,
                "bookyear_key": bookyear,
                "journal_key": journal,
                "document_nr": nr,
                "number": octopus_booking.display_number(names.get(bookyear, str(bookyear)), journal, nr),
                "relation_key": fingerprint["relation"] or 0,
                "reference": held.get("reference") or False,
                "reference_key": reference_key(held.get("reference")) or False,
                "amount": held.get("amount") or 0.0,
                "document_date": fingerprint["date"] or False,
                "fingerprint": fingerprint,
            }
        if not rows:
            return
        # sudo: the copy is the addon's; users only read it
        copies = self.sudo()
        old = copies.search(
            [
                ("dossier_id", "=", dossier.id),
                ("journal_key", "in", list({k[1] for k in rows})),
                ("document_nr", "in", list({k[2] for k in rows})),
            ]
        )
        old.filtered(lambda row: (row.bookyear_key, row.journal_key, row.document_nr) in rows).unlink()
        copies.create(list(rows.values()))

    @api.model
    def _octopus_match(self, dossier, relation_key, reference, amount):
        """The purchase booking Octopus holds of this supplier with this supplier reference and
        amount, that no Odoo booking of the company holds already (those are Odoo's own)."""
        key = reference_key(reference)
        if not (key and relation_key):
            return self.browse()
        candidates = self.sudo().search(
            [("dossier_id", "=", dossier.id), ("relation_key", "=", relation_key), ("reference_key", "=", key)]
        )
        for row in candidates.filtered(lambda r: octopus_booking.same_amount(r.amount, amount)):
            if not row._octopus_taken_by(dossier.company_id):
                return row
        return self.browse()

    def _octopus_taken_by(self, company):
        """The company's Odoo booking that holds this Octopus booking's number, if any."""
        self.ensure_one()
        return (
            self.env["octopus.booking"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("kind", "=", "invoice"),
                    ("state", "=", "sent"),
                    ("bookyear_id.octopus_key", "=", self.bookyear_key),
                    ("journal_key", "=", self.journal_key),
                    ("document_nr", "=", self.document_nr),
                ],
                limit=1,
            )
        )


def reference_key(text):
    """A supplier reference as compared: without spaces, in capitals ("f 2026-42" = "F2026-42")."""
    return "".join((text or "").split()).upper()
