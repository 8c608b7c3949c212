import base64
import logging

from odoo import models

_logger = logging.getLogger(__name__)

INVOICE_REPORT = "account.account_invoices"
UBL_MIMETYPES = ("application/xml", "text/xml")
UBL_NAMESPACE = b"urn:oasis:names:specification:ubl:schema:xsd:"


class OctopusBooking(models.Model):
    """The files that travel with an invoice booking: its PDF, and a bill's e-invoice XML."""

    # octopus.booking is split by concern (octopus_booking*.py), each file under 400 lines.
    _inherit = "octopus.booking"  # pylint: disable=consider-merging-classes-inherited

    def _pdf_attachments(self):
        """([AttachementData], note): the PDF that travels with the booking, or why none does.

        Customer documents: the stored legal PDF, else Odoo's invoice report rendered now and kept
        as the legal PDF (so the customer gets the same file). Vendor bills: the uploaded original
        when it is a PDF, and the e-invoice (UBL XML) it came as. A missing PDF never stops the booking.
        """
        filename, content, note = self._pdf()
        files = [(filename, content)] if content else []
        files += [(xml.name, xml.raw) for xml in self._ubl_attachments()]
        if not content and not files:
            return [], note
        return [{"fileName": name, "fileData": base64.b64encode(data).decode("ascii")} for name, data in files], note

    def _ubl_attachments(self):
        """The UBL XML a vendor bill came as (Peppol, e-mail import): the accountant keeps the e-invoice."""
        move = self.move_id
        if move.is_sale_document():
            return self.env["ir.attachment"]
        xmls = move.attachment_ids.filtered(lambda a: a.mimetype in UBL_MIMETYPES and not a.res_field)
        return xmls.filtered(lambda a: UBL_NAMESPACE in (a.raw or b"")[:2000])

    def _pdf(self):
        move = self.move_id
        if not move.is_sale_document():
            original = move.message_main_attachment_id
            if original and original.mimetype == "application/pdf":
                return original.name, original.raw, ""
            return None, None, self.env._("Booked without a PDF: the bill has no PDF attached.")
        legal = move._get_invoice_legal_documents("pdf")
        if legal and legal.get("filetype") == "application/pdf":
            return legal["filename"], legal["content"], ""
        try:
            with self.env.cr.savepoint(flush=False):
                content, report_type = self.env["ir.actions.report"]._render_qweb_pdf(INVOICE_REPORT, move.ids)
        except Exception as exc:  # noqa: BLE001 (no renderer, broken template: book without the PDF)
            _logger.warning("Octopus push of move %s: invoice PDF not rendered (%s)", move.id, exc)
            return None, None, self.env._("Booked without a PDF: Odoo could not render it (%(error)s).", error=exc)
        if report_type != "pdf":
            return (
                None,
                None,
                self.env._("Booked without a PDF: the report renderer gave %(type)s, not a PDF.", type=report_type),
            )
        filename = move._get_invoice_report_filename()
        self.env["ir.attachment"].create(
            {
                "name": filename,
                "raw": content,
                "mimetype": "application/pdf",
                "res_model": "account.move",
                "res_id": move.id,
                "res_field": "invoice_pdf_report_file",
            }
        )
        move.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])
        return filename, content, ""
