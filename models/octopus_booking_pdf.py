import base64

from odoo import models

UBL_MIMETYPES = ("application/xml", "text/xml")
UBL_NAMESPACE = b"urn:oasis:names:specification:ubl:schema:xsd:"


class OctopusBooking(models.Model):
    """The files that travel with an invoice booking: its PDF, and a bill's e-invoice XML."""

    # octopus.booking is split by concern (octopus_booking*.py), each file under 400 lines.
    _inherit = "octopus.booking"  # pylint: disable=consider-merging-classes-inherited

    def _pdf_attachments(self):
        """([AttachementData], note, follows): the files that travel with the booking, why no PDF does,
        and whether the PDF follows through the attachment endpoint once rendered (the PDF job).

        Customer documents: the stored legal PDF (prepared ahead by the PDF job, or sent to the
        customer), else rendered now and kept as the legal PDF (account_move_pdf.py). Vendor bills:
        the uploaded original when it is a PDF, and the e-invoice (UBL XML) it came as. A missing PDF
        never stops the booking.
        """
        filename, content, note = self._pdf()
        follows = not content and self.move_id.is_sale_document()
        if follows:
            note = " ".join([note, self.env._("The PDF follows in Octopus once Odoo renders it.")])
        files = [(filename, content)] if content else []
        files += [(xml.name, xml.raw) for xml in self._ubl_attachments()]
        attachments = [{"fileName": name, "fileData": base64.b64encode(data).decode("ascii")} for name, data in files]
        return attachments, note, follows

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
        failed = move._octopus_render_legal_pdfs()  # nothing to do when the legal PDF exists
        if move in failed:
            return None, None, failed[move]
        legal = move._get_invoice_legal_documents("pdf")
        if legal and legal.get("filetype") == "application/pdf":
            return legal["filename"], legal["content"], ""
        kind = legal and legal.get("filetype")
        return None, None, self.env._("Booked without a PDF: the report renderer gave %(type)s, not a PDF.", type=kind)
