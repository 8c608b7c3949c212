import logging
from dataclasses import replace

from odoo import api, models
from odoo.exceptions import UserError

from ..octopus import booking as octopus_booking
from ..octopus import errors
from .octopus_push_run import CheckFailed, Prepared

_logger = logging.getLogger(__name__)


class OctopusBooking(models.Model):
    """What each kind of booking sends: the checks that need no network, the invoice and payment
    payloads (through octopus/booking.py), and what follows an invoice booking (the files that
    travel with it: octopus_booking_pdf.py)."""

    # octopus.booking is split by concern (octopus_booking*.py), each file under 400 lines.
    _inherit = "octopus.booking"  # pylint: disable=consider-merging-classes-inherited

    # -- checks (no network) -----------------------------------------------------------------------

    @api.model
    def _invoice_problems(self, move):
        """Sentences, each naming what to fix, for what keeps `move` out of Octopus. Each record checks
        itself (company, journal, Octopus journal, account, tax, partner, bank account), with the
        same text as the dossier's mapping check."""
        company = move.company_id
        problems = company._octopus_problems()
        if problems:
            return problems
        dossier = company.octopus_dossier_id
        problems += move.journal_id._octopus_mapping_problems(dossier)
        period = dossier._period_for_date(move.invoice_date or move.date)
        problems += dossier._octopus_period_problems(period, move.invoice_date or move.date)
        if period and not problems:
            problems += move.journal_id.octopus_journal_id._octopus_year_problems(period)
        refund = move.move_type in ("out_refund", "in_refund")
        for line in self._product_lines(move):
            label = (line.name or line.account_id.display_name or "").split("\n")[0]
            problems += line.account_id._octopus_usage_problems(
                dossier, move.journal_id, self.env._("line %(line)s", line=label)
            )
            vat_taxes = self._line_taxes(line).filtered(lambda tax: tax._octopus_is_vat())
            if len(vat_taxes) != 1:
                problems.append(
                    self.env._(
                        "Line %(line)s has %(count)s VAT taxes: Octopus books one VAT code per line. Give the line "
                        "exactly one VAT tax (a 0%% tax if none applies); fixed-amount taxes such as Recupel may come "
                        "on top.",
                        line=label,
                        count=len(vat_taxes),
                    )
                )
                continue
            problems += vat_taxes._octopus_mapping_problems(dossier, refund=refund)
        for tax_line in self._levy_lines(move):
            problems += self._levy_problems(tax_line, dossier, refund)
        problems += self._cost_centre_problems(move, dossier)
        if self._foreign(move) and move.currency_id.decimal_places > 2:
            problems.append(
                self.env._(
                    "Octopus holds amounts to the cent; %(currency)s has %(digits)s decimals. Book this invoice in "
                    "euros.",
                    currency=move.currency_id.name,
                    digits=move.currency_id.decimal_places,
                )
            )
        problems += move.commercial_partner_id._octopus_problems()
        if move.journal_id.octopus_payment_journal_id and period:
            problems += self._payment_problems(move, period)
        return list(dict.fromkeys(problems))

    @api.model
    def _payment_problems(self, move, period):
        bank_journal = move.journal_id.octopus_payment_journal_id
        bank = bank_journal.bank_account_id
        if not bank:
            return [
                self.env._(
                    "Bank journal %(journal)s books Octopus payments but has no bank account: set one, "
                    "and its Octopus financial journal.",
                    journal=bank_journal.name,
                )
            ]
        return bank._octopus_problems() or bank.octopus_journal_id._octopus_year_problems(period, closed=False)

    # -- amounts -----------------------------------------------------------------------------------

    @api.model
    def _product_lines(self, move):
        return move.invoice_line_ids.filtered(lambda line: line.display_type == "product")

    @api.model
    def _line_taxes(self, line):
        return line.tax_ids.flatten_taxes_hierarchy().filtered(lambda tax: tax.amount_type != "group")

    @api.model
    def _levy_lines(self, move):
        """Odoo's tax lines of taxes that are not VAT (Recupel, Bebat): each becomes an Octopus line."""
        return move.line_ids.filtered(
            lambda line: line.display_type == "tax" and not line.tax_line_id._octopus_is_vat()
        )

    @api.model
    def _levy_vat_tax(self, tax_line):
        """The VAT tax charged on top of a levy (Odoo's `tax_ids` of the tax line: the taxes whose base includes it)."""
        return tax_line.tax_ids.flatten_taxes_hierarchy().filtered(lambda tax: tax._octopus_is_vat())[:1]

    @api.model
    def _levy_code(self, tax_line, dossier, refund):
        """The VAT code a levy is booked under: that of the VAT charged on it, else the levy tax's own code."""
        vat_tax = self._levy_vat_tax(tax_line)
        return (vat_tax or tax_line.tax_line_id)._octopus_vat_code(dossier, refund=refund)

    @api.model
    def _levy_problems(self, tax_line, dossier, refund):
        levy = tax_line.tax_line_id
        problems = tax_line.account_id._octopus_usage_problems(
            dossier, tax_line.move_id.journal_id, self.env._("tax %(tax)s", tax=levy.name)
        )
        if self._levy_vat_tax(tax_line):
            return problems
        if not levy._octopus_vat_code(dossier, refund=refund):
            return problems + [
                self.env._(
                    "Tax %(tax)s is a fixed amount outside the VAT base: Octopus books it as a line of its own, which "
                    "needs a VAT code. Set an Octopus VAT code on the tax (a 0%% code, or one for amounts outside "
                    "VAT).",
                    tax=levy.display_name,
                )
            ]
        return problems + levy._octopus_mapping_problems(dossier, refund=refund)

    @api.model
    def _line_account(self, line, dossier):
        return (
            line.account_id._octopus_account_number(dossier)
            or line.move_id.journal_id.octopus_default_account_id.number
        )

    def _date(self):
        return self.move_id.invoice_date or self.move_id.date

    def _refund(self):
        return self.move_id.move_type in ("out_refund", "in_refund")

    def _factor(self):
        """Turns balances into the document's direction: positive on invoices and on credit notes."""
        return -1 if self.move_id.move_type in ("out_invoice", "in_refund") else 1

    @api.model
    def _foreign(self, move):
        return move.currency_id != move.company_currency_id

    def _amount(self, line):
        """A line's amount as Octopus books it: in the document's currency (ref §4.6 `currencyCode`)."""
        return line.amount_currency if self._foreign(line.move_id) else line.balance

    def _document_total_cents(self):
        """The invoice total in its own currency, the booking's `amount`."""
        terms = self.move_id.line_ids.filtered(lambda line: line.display_type == "payment_term")
        return octopus_booking.to_cents(-self._factor() * sum(self._amount(term) for term in terms))

    def _exchange_rate(self):
        """Units of the document's currency per euro, the rate Odoo converted with (1.0 in euros)."""
        move = self.move_id
        return round(move.invoice_currency_rate, 6) if self._foreign(move) else 1.0

    def _total_cents(self):
        terms = self.move_id.line_ids.filtered(lambda line: line.display_type == "payment_term")
        return octopus_booking.to_cents(-self._factor() * sum(terms.mapped("balance")))

    def _booking_input(self, dossier, period, relation_key):
        """BookingInput in the document's currency: base per line, VAT per Octopus code and levies from Odoo's
        tax lines, with the rate Odoo converted at."""
        move, factor, refund = self.move_id, self._factor(), self._refund()
        lines = []
        for line in self._product_lines(move):
            if line.company_currency_id.is_zero(line.balance) and line.currency_id.is_zero(line.amount_currency):
                continue
            vat_tax = self._line_taxes(line).filtered(lambda tax: tax._octopus_is_vat())
            code = vat_tax._octopus_vat_code(dossier, refund=refund)
            label = (line.name or "").split("\n")[0][:50]
            lines += self._cost_centre_lines(
                line,
                dossier,
                octopus_booking.BaseLine(
                    self._line_account(line, dossier),
                    code,
                    octopus_booking.to_cents(factor * self._amount(line)),
                    label,
                ),
            )
        taxes = []
        for line in move.line_ids.filtered(lambda tax_line: tax_line.display_type == "tax"):
            cents = octopus_booking.to_cents(factor * self._amount(line))
            if line.tax_line_id._octopus_is_vat():
                code = line.tax_line_id._octopus_vat_code(dossier, refund=refund)
                taxes.append(octopus_booking.TaxAmount(code, cents))
            else:
                taxes.append(
                    octopus_booking.TaxAmount(
                        self._levy_code(line, dossier, refund),
                        cents,
                        vat=False,
                        account=self._line_account(line, dossier),
                        label=line.tax_line_id.name[:50],
                    )
                )
        levies, vat = octopus_booking.split_tax_amounts(taxes)
        lines = self._cost_centre_defaults([*lines, *levies], dossier)
        comment = move.name if not move.ref else f"{move.name} {move.ref}"
        return octopus_booking.BookingInput(
            bookyear_id=period.bookyear_id.octopus_key,
            period=period.number,
            journal_key=move.journal_id.octopus_journal_id.key,
            document_nr=0,
            relation={"relationKey": {"id": relation_key}},
            document_date=self._date(),
            expiry_date=move.invoice_date_due or self._date(),
            total_cents=self._document_total_cents(),
            refund=refund,
            currency=move.currency_id.name,
            exchange_rate=self._exchange_rate(),
            reference=move.name,
            comment=comment[:250],
            lines=tuple(lines),
            vat_cents=vat,
        )

    # -- prepare (inside the push; may call Octopus for the relation) --------------------------

    def _numbered_journal(self):
        """The Octopus journal this booking takes its number in: the push sends one booking of it at a time."""
        journal = self.move_id.journal_id
        if self.kind == "invoice":
            return journal.octopus_journal_id
        return journal.octopus_payment_journal_id.bank_account_id.octopus_journal_id

    def _prepare(self, session):
        if self.kind == "invoice":
            return self._prepare_invoice(session)
        return self._prepare_payment(session)

    def _relation_key(self, dossier, session):
        move = self.move_id
        role = "client" if move.is_sale_document() else "supplier"
        return self.env["octopus.relation.link"]._octopus_relation_key(
            dossier, session.api(dossier), move.commercial_partner_id, role
        )

    def _prepare_invoice(self, session):
        move = self.move_id
        dossier = self.company_id.octopus_dossier_id
        if self.reread_journals:
            self._refresh_closed_journal(dossier)
        problems = self._invoice_problems(move)
        if problems:
            raise CheckFailed(problems)
        octopus_journal = move.journal_id.octopus_journal_id
        period = dossier._period_for_date(self._date())
        api = session.api(dossier)
        if self._foreign(move):
            problems = dossier._octopus_currency_problems(move.currency_id, api)
            if problems:
                raise CheckFailed(problems)
        self._ensure_cost_centres(dossier, api)
        relation_key = self._relation_key(dossier, session)
        attachments, pdf_note, pdf_follows = [], "", False
        if not self._number_follows():  # otherwise the PDF follows the renaming
            attachments, pdf_note, pdf_follows = self._pdf_attachments()
        data = self._booking_input(dossier, period, relation_key)
        pdf = attachments[0]["fileName"] if attachments else "no PDF"
        summary = (
            f"POST buysellbookings {octopus_journal.key} {period.bookyear_id.name} #%(nr)s: "
            f"{octopus_booking.booking_amount(data.total_cents, data.refund):.2f} {data.currency}, "
            f"{len(data.lines)} line(s), relation {relation_key}, {pdf}"
        )
        return Prepared(
            bookyear=period.bookyear_id,
            journal_year=octopus_journal._year_for(period.bookyear_id),
            journal_key=octopus_journal.key,
            build=lambda nr: octopus_booking.build_buysell_booking(replace(data, document_nr=nr)),
            insert=lambda payload: api.insert_buysell_booking(payload, attachments),
            summary=summary,
            pdf_note=pdf_note,
            pdf_follows=pdf_follows,
            fingerprint=self._fingerprint(data),
        )

    def _fingerprint(self, data):
        """octopus.booking.fingerprint of the BookingInput `data`, with the Odoo partner (whose
        change after sending is told apart from a relation changed in Octopus)."""
        payload = octopus_booking.build_buysell_booking(data)
        return {**octopus_booking.fingerprint(payload), "partner": self.move_id.commercial_partner_id.id}

    def _odoo_fingerprint(self):
        """The fingerprint the move would send now, without network (the relation is the one sent):
        differs from `sent_fingerprint` when the move was changed in Odoo after sending."""
        dossier = self.company_id.octopus_dossier_id
        period = dossier._period_for_date(self._date())
        if not period or not self.sent_fingerprint:
            return None
        try:
            return self._fingerprint(self._booking_input(dossier, period, self.sent_fingerprint.get("relation")))
        except (UserError, ValueError, KeyError) as exc:
            _logger.info("Octopus booking %s: no fingerprint of the move now (%s)", self.id, exc)
            return None

    def _prepare_payment(self, session):
        move = self.move_id
        dossier = self.company_id.octopus_dossier_id
        period = dossier._period_for_date(self._date())
        if not move.journal_id.octopus_payment_journal_id:
            raise CheckFailed(
                [
                    self.env._(
                        "Journal %(journal)s no longer books payments in Octopus: book this payment in Octopus, or set "
                        "the journal's payment journal again and press Send to Octopus.",
                        journal=move.journal_id.name,
                    )
                ]
            )
        problems = dossier._octopus_period_problems(period, self._date()) or self._payment_problems(move, period)
        if problems:
            raise CheckFailed(problems)
        financial = move.journal_id.octopus_payment_journal_id.bank_account_id.octopus_journal_id
        api = session.api(dossier)
        invoice_number = move._octopus_booking("invoice").number
        values = {
            "bookyear_id": period.bookyear_id.octopus_key,
            "period": period.number,
            "journal_key": financial.key,
            "document_date": self._date(),
            "relation_id": self._relation_key(dossier, session),
            "total_cents": self._total_cents(),
            "customer": move.is_sale_document(),
            "refund": self._refund(),
            "reference": invoice_number,
        }
        return Prepared(
            bookyear=period.bookyear_id,
            journal_year=financial._year_for(period.bookyear_id),
            journal_key=financial.key,
            build=lambda nr: octopus_booking.build_payment_booking(document_nr=nr, **values),
            insert=api.insert_financial_booking,
            summary=f"POST financialdiversbookings {financial.key} #%(nr)s for {invoice_number}",
        )

    def _refresh_closed_journal(self, dossier):
        """Retry was pressed: read the journals again when our copy says the journal or period is closed."""
        self.reread_journals = False
        period = dossier._period_for_date(self._date())
        journal = self.move_id.journal_id.octopus_journal_id
        if period and journal and journal._octopus_year_problems(period):
            try:
                dossier._refresh_journal_numbers(period.bookyear_id)
            except errors.OctopusError as exc:
                _logger.info("Octopus journals of dossier %s not read again: %s", dossier.id, exc)

    def _own_booking(self, listing, nr):
        """The booking in `listing` that is this one (reference and amount, and number if given)."""
        move, total = self.move_id, self._total_cents()
        if self.kind == "invoice":
            amount = octopus_booking.booking_amount(self._document_total_cents(), self._refund())
            return octopus_booking.find_own_booking(listing, reference=move.name, amount=amount, document_nr=nr)
        incoming = move.is_sale_document() != self._refund()
        amount = octopus_booking.to_amount(total if incoming else -total)
        return octopus_booking.find_own_payment(
            listing, reference=move._octopus_booking("invoice").number, amount=amount, document_nr=nr
        )

    # -- after an invoice booking -----------------------------------------------------------------

    def _number_follows(self):
        """Rename after Octopus: only on unsecured journals, and not once the customer has the PDF."""
        move = self.move_id
        journal = move.journal_id
        return bool(
            journal.octopus_number_follows
            and not journal.restrict_mode_hash_table
            and not move.inalterable_hash
            and not move.invoice_pdf_report_id
            and not move.is_move_sent
        )

    def _after_booking(self, session, attempt):
        """Number-follows mode: take the Octopus number as the Odoo name, then attach the PDF showing it."""
        if not self._number_follows():
            return ""
        move, old_name = self.move_id, self.move_id.name
        try:
            with self.env.cr.savepoint():
                move.name = self.number
        except Exception as exc:  # noqa: BLE001 (a refused rename keeps the booking and the Odoo name)
            return self.env._(
                "Kept the Odoo number %(name)s: renaming it was refused (%(error)s).", name=old_name, error=exc
            )
        filename, content, note = self._pdf()
        if not content:
            return " ".join([self.env._("Renamed from %(name)s.", name=old_name), note])
        try:
            session.api(self.company_id.octopus_dossier_id).add_booking_attachment(
                self.bookyear_id.octopus_key, self.journal_key, self.document_nr, filename, content
            )
        except errors.OctopusError as exc:
            attempt.request(f"POST bookings/attachements failed: {exc}")
            return self.env._(
                "Renamed from %(name)s. The PDF could not be attached in Octopus (%(error)s).", name=old_name, error=exc
            )
        attempt.request(f"POST bookings/attachements {filename}")
        return self.env._("Renamed from %(name)s.", name=old_name)
