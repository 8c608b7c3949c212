import base64
import logging
from collections import defaultdict
from dataclasses import replace

from odoo import models

from ..octopus import booking as octopus_booking
from ..octopus import errors
from ..octopus.vat import is_valid_be_vat, normalize_vat
from .octopus_push_run import INVOICE, CheckFailed, Prepared

_logger = logging.getLogger(__name__)

INVOICE_REPORT = "account.account_invoices"


class AccountMove(models.Model):
    """From an Odoo move to Octopus data: the checks that need no network, the booking and payment
    payloads (through octopus/booking.py), the PDF, and what follows a booking."""

    # account.move's Octopus side is split by concern (account_move*.py), each file under 400 lines.
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    # -- checks ------------------------------------------------------------------------------------

    def _octopus_date(self):
        return self.invoice_date or self.date

    def _octopus_check_problems(self):
        """Sentences, each naming what to fix, for what keeps this move out of Octopus (no network)."""
        self.ensure_one()
        dossier = self.company_id.octopus_dossier_id
        if not dossier:
            return [self.env._(
                "%(company)s is not linked to an Octopus dossier: link it in the company settings, then press "
                "Retry.", company=self.company_id.name)]
        problems = []
        octopus_journal = self.journal_id.octopus_journal_id
        if not octopus_journal or octopus_journal.dossier_id != dossier:
            problems.append(self.env._(
                "Journal %(journal)s has no Octopus journal of dossier %(dossier)s: set it on the journal's Octopus "
                "tab, then press Retry.", journal=self.journal_id.name, dossier=dossier.display_name))
        period = dossier._period_for_date(self._octopus_date())
        if not period:
            problems.append(self.env._(
                "No Octopus bookyear covers %(date)s: synchronise the bookyears of %(dossier)s (or ask the accountant "
                "to open that bookyear in Octopus), then press Retry.",
                date=self._octopus_date(), dossier=dossier.display_name))
        elif period.bookyear_id.closed:
            problems.append(self.env._(
                "Bookyear %(year)s is closed in Octopus: ask the accountant to reopen it or change the invoice date, "
                "then press Retry.", year=period.bookyear_id.name))
        elif octopus_journal:
            problems += self._octopus_journal_year_problems(octopus_journal, period)
        problems += self._octopus_line_problems(dossier)
        problems += self._octopus_partner_problems()
        if self.journal_id.octopus_payment_journal_id and period:
            problems += self._octopus_payment_problems(period)
        return problems

    def _octopus_journal_year_problems(self, journal, period):
        year = journal._year_for(period.bookyear_id)
        if not year:
            return [self.env._(
                "Octopus journal %(journal)s is not known in bookyear %(year)s: synchronise the bookyears, then press "
                "Retry.", journal=journal.key, year=period.bookyear_id.name)]
        if year.closed:
            return [self.env._(
                "Octopus journal %(journal)s is closed in bookyear %(year)s: ask the accountant to reopen it, then "
                "press Retry.", journal=journal.key, year=period.bookyear_id.name)]
        limit = max(year.closed_period, year.protected_period)
        if limit and period.number <= limit:
            return [self.env._(
                "Period %(period)s is closed or protected in Octopus journal %(journal)s: ask the accountant to "
                "reopen it, or change the invoice date; then press Retry.", period=period.number, journal=journal.key)]
        return []

    def _octopus_line_problems(self, dossier):
        problems = []
        refund = self.move_type in ("out_refund", "in_refund")
        codes = set(dossier.vat_code_ids.mapped("code"))
        for line in self._octopus_product_lines():
            label = (line.name or line.account_id.display_name or "").split("\n")[0]
            if not self._octopus_line_account(line, dossier):
                problems.append(self.env._(
                    "Account %(account)s (line %(line)s) has no Octopus account: set its Octopus account, or a "
                    "default account on the journal's Octopus tab, then press Retry.",
                    account=line.account_id.display_name, line=label))
            taxes = self._octopus_line_taxes(line)
            if len(taxes) != 1:
                problems.append(self.env._(
                    "Line %(line)s has %(count)s taxes: Octopus books one VAT code per line. Give the line exactly one "
                    "tax (a 0%% tax if none applies).", line=label, count=len(taxes)))
                continue
            code = taxes._octopus_vat_code(dossier, refund=refund)
            if not code or code not in codes:
                problems.append(self.env._(
                    "Tax %(tax)s has no Octopus VAT code of dossier %(dossier)s: set one on the tax, then press Retry.",
                    tax=taxes.display_name, dossier=dossier.display_name))
        return list(dict.fromkeys(problems))

    def _octopus_partner_problems(self):
        partner = self.commercial_partner_id
        if not partner:
            return [self.env._("The move has no partner: Octopus books every invoice on a customer or supplier.")]
        if not partner.vat:
            return []
        key = normalize_vat(partner.vat, partner.country_id.code or "BE")
        valid = is_valid_be_vat(key) if key and key.startswith("BE") else \
            key and self.env["res.partner"]._run_vat_test(key, partner.country_id, partner.is_company)
        if not valid:
            return [self.env._("The VAT number %(vat)s of %(partner)s is not valid: correct it on the partner, then "
                               "press Retry.", vat=partner.vat, partner=partner.display_name)]
        return []

    def _octopus_payment_problems(self, period):
        bank_journal = self.journal_id.octopus_payment_journal_id
        financial = bank_journal.bank_account_id.octopus_journal_id
        if not financial:
            return [self.env._("Journal %(journal)s books payments on %(bank)s, whose bank account has no Octopus "
                               "financial journal: set it on the bank journal, then press Retry.",
                               journal=self.journal_id.name, bank=bank_journal.name)]
        if not financial._year_for(period.bookyear_id):
            return [self.env._("Octopus journal %(journal)s is not known in bookyear %(year)s: synchronise the "
                               "bookyears, then press Retry.", journal=financial.key, year=period.bookyear_id.name)]
        return []

    # -- amounts -----------------------------------------------------------------------------------

    def _octopus_product_lines(self):
        return self.invoice_line_ids.filtered(lambda line: line.display_type == "product")

    def _octopus_line_taxes(self, line):
        return line.tax_ids.flatten_taxes_hierarchy().filtered(lambda tax: tax.amount_type != "group")

    def _octopus_line_account(self, line, dossier):
        return line.account_id._octopus_account_number(dossier) or \
            self.journal_id.octopus_default_account_id.number

    def _octopus_factor(self):
        """Turns balances into the document's direction: positive on invoices and on credit notes."""
        return -1 if self.move_type in ("out_invoice", "in_refund") else 1

    def _octopus_total_cents(self):
        terms = self.line_ids.filtered(lambda line: line.display_type == "payment_term")
        return octopus_booking.to_cents(-self._octopus_factor() * sum(terms.mapped("balance")))

    def _octopus_refund(self):
        return self.move_type in ("out_refund", "in_refund")

    def _octopus_booking_input(self, dossier, period, relation_key):
        """BookingInput in company currency (EUR): base per line, VAT per Octopus code from Odoo's tax lines."""
        factor, refund = self._octopus_factor(), self._octopus_refund()
        lines = []
        for line in self._octopus_product_lines():
            if line.company_currency_id.is_zero(line.balance):
                continue
            code = self._octopus_line_taxes(line)._octopus_vat_code(dossier, refund=refund)
            label = (line.name or "").split("\n")[0][:50]
            lines.append(octopus_booking.BaseLine(self._octopus_line_account(line, dossier), code,
                                                  octopus_booking.to_cents(factor * line.balance), label))
        vat = defaultdict(int)
        for line in self.line_ids.filtered(lambda l: l.display_type == "tax"):
            vat[line.tax_line_id._octopus_vat_code(dossier, refund=refund)] += \
                octopus_booking.to_cents(factor * line.balance)
        comment = self.name if not self.ref else f"{self.name} {self.ref}"
        return octopus_booking.BookingInput(
            bookyear_id=period.bookyear_id.octopus_key, period=period.number,
            journal_key=self.journal_id.octopus_journal_id.key, document_nr=0,
            relation={"relationKey": {"id": relation_key}},
            document_date=self._octopus_date(),
            expiry_date=self.invoice_date_due or self._octopus_date(),
            total_cents=self._octopus_total_cents(), refund=refund,
            reference=self.name, comment=comment[:250], lines=tuple(lines), vat_cents=dict(vat))

    # -- prepare (inside the push; may call Octopus for the relation) --------------------------

    def _octopus_prepare(self, kind, session):
        if kind is INVOICE:
            return self._octopus_prepare_invoice(session)
        return self._octopus_prepare_payment(session)

    def _octopus_prepare_invoice(self, session):
        problems = self._octopus_check_problems()
        if problems:
            raise CheckFailed(problems)
        dossier = self.company_id.octopus_dossier_id
        octopus_journal = self.journal_id.octopus_journal_id
        period = dossier._period_for_date(self._octopus_date())
        api = session.api(dossier)
        role = "client" if self.is_sale_document() else "supplier"
        relation_key = self.env["octopus.relation.link"]._octopus_relation_key(
            dossier, api, self.commercial_partner_id, role)
        attachments, pdf_note = [], ""
        if not self._octopus_number_follows():  # otherwise the PDF follows the renaming
            attachments, pdf_note = self._octopus_pdf_attachments()
        data = self._octopus_booking_input(dossier, period, relation_key)
        pdf = attachments[0]["fileName"] if attachments else "no PDF"
        summary = (f"POST buysellbookings {octopus_journal.key} {period.bookyear_id.name} #%(nr)s: "
                   f"{octopus_booking.booking_amount(data.total_cents, data.refund):.2f} EUR, "
                   f"{len(data.lines)} line(s), relation {relation_key}, {pdf}")
        return Prepared(
            bookyear=period.bookyear_id, journal_year=octopus_journal._year_for(period.bookyear_id),
            journal_key=octopus_journal.key,
            build=lambda nr: octopus_booking.build_buysell_booking(replace(data, document_nr=nr)),
            insert=lambda payload: api.insert_buysell_booking(payload, attachments),
            summary=summary, pdf_note=pdf_note)

    def _octopus_prepare_payment(self, session):
        dossier = self.company_id.octopus_dossier_id
        period = dossier._period_for_date(self._octopus_date())
        if not self.journal_id.octopus_payment_journal_id:
            raise CheckFailed([self.env._(
                "Journal %(journal)s no longer books payments in Octopus: book this payment in Octopus, or set the "
                "journal's payment journal again and press Retry.", journal=self.journal_id.name)])
        problems = self._octopus_payment_problems(period) if period else [self.env._(
            "No Octopus bookyear covers %(date)s: synchronise the bookyears.", date=self._octopus_date())]
        if problems:
            raise CheckFailed(problems)
        financial = self.journal_id.octopus_payment_journal_id.bank_account_id.octopus_journal_id
        api = session.api(dossier)
        role = "client" if self.is_sale_document() else "supplier"
        relation_key = self.env["octopus.relation.link"]._octopus_relation_key(
            dossier, api, self.commercial_partner_id, role)
        values = {"bookyear_id": period.bookyear_id.octopus_key, "period": period.number,
                  "journal_key": financial.key, "document_date": self._octopus_date(),
                  "relation_id": relation_key, "total_cents": self._octopus_total_cents(),
                  "customer": self.is_sale_document(), "refund": self._octopus_refund(),
                  "reference": self.octopus_number}
        return Prepared(
            bookyear=period.bookyear_id, journal_year=financial._year_for(period.bookyear_id),
            journal_key=financial.key,
            build=lambda nr: octopus_booking.build_payment_booking(document_nr=nr, **values),
            insert=api.insert_financial_booking,
            summary=f"POST financialdiversbookings {financial.key} #%(nr)s for {self.octopus_number}")

    def _octopus_own_booking(self, kind, listing, nr):
        """The booking in `listing` that is this move's (reference and amount, and number if given)."""
        total = self._octopus_total_cents()
        if kind is INVOICE:
            amount = octopus_booking.booking_amount(total, self._octopus_refund())
            return octopus_booking.find_own_booking(listing, reference=self.name, amount=amount, document_nr=nr)
        incoming = self.is_sale_document() != self._octopus_refund()
        amount = octopus_booking.to_amount(total if incoming else -total)
        return octopus_booking.find_own_payment(listing, reference=self.octopus_number, amount=amount,
                                                document_nr=nr)

    # -- PDF -----------------------------------------------------------------------------------

    def _octopus_pdf_attachments(self):
        """([AttachementData], note): the PDF that travels with the booking, or why none does.

        Customer documents: the stored legal PDF, else Odoo's invoice report rendered now and kept
        as the legal PDF (so the customer gets the same file). Vendor bills: the uploaded original
        when it is a PDF. A missing PDF never stops the booking.
        """
        filename, content, note = self._octopus_pdf()
        if not content:
            return [], note
        return [{"fileName": filename, "fileData": base64.b64encode(content).decode("ascii")}], ""

    def _octopus_pdf(self):
        if not self.is_sale_document():
            original = self.message_main_attachment_id
            if original and original.mimetype == "application/pdf":
                return original.name, original.raw, ""
            return None, None, self.env._("Booked without a PDF: the bill has no PDF attached.")
        legal = self._get_invoice_legal_documents("pdf")
        if legal and legal.get("filetype") == "application/pdf":
            return legal["filename"], legal["content"], ""
        try:
            with self.env.cr.savepoint(flush=False):
                content, report_type = self.env["ir.actions.report"]._render_qweb_pdf(INVOICE_REPORT, self.ids)
        except Exception as exc:  # noqa: BLE001 (no renderer, broken template: book without the PDF)
            _logger.warning("Octopus push of move %s: invoice PDF not rendered (%s)", self.id, exc)
            return None, None, self.env._("Booked without a PDF: Odoo could not render it (%(error)s).", error=exc)
        if report_type != "pdf":
            return None, None, self.env._("Booked without a PDF: the report renderer gave %(type)s, not a PDF.",
                                          type=report_type)
        filename = self._get_invoice_report_filename()
        self.env["ir.attachment"].create({
            "name": filename, "raw": content, "mimetype": "application/pdf", "res_model": "account.move",
            "res_id": self.id, "res_field": "invoice_pdf_report_file"})
        self.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])
        return filename, content, ""

    # -- after a booking -----------------------------------------------------------------------

    def _octopus_number_follows(self):
        """Rename after Octopus: only on unsecured journals, and not once the customer has the PDF."""
        journal = self.journal_id
        return bool(journal.octopus_number_follows and not journal.restrict_mode_hash_table
                    and not self.inalterable_hash and not self.invoice_pdf_report_id and not self.is_move_sent)

    def _octopus_after_booking(self, session, attempt):
        """Number-follows mode: take the Octopus number as the Odoo name, then attach the PDF showing it."""
        if not self._octopus_number_follows():
            return ""
        old_name = self.name
        try:
            with self.env.cr.savepoint():
                self.name = self.octopus_number
        except Exception as exc:  # noqa: BLE001 (a refused rename keeps the booking and the Odoo name)
            return self.env._("Kept the Odoo number %(name)s: renaming it was refused (%(error)s).",
                              name=old_name, error=exc)
        filename, content, note = self._octopus_pdf()
        if not content:
            return " ".join([self.env._("Renamed from %(name)s.", name=old_name), note])
        try:
            session.api(self.company_id.octopus_dossier_id).add_booking_attachment(
                self.octopus_bookyear_id.octopus_key, self.octopus_journal_key, self.octopus_document_nr,
                filename, content)
        except errors.OctopusError as exc:
            attempt.request(f"POST bookings/attachements failed: {exc}")
            return self.env._("Renamed from %(name)s. The PDF could not be attached in Octopus (%(error)s).",
                     name=old_name, error=exc)
        attempt.request(f"POST bookings/attachements {filename}")
        return self.env._("Renamed from %(name)s.", name=old_name)
