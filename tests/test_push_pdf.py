from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.base.models.ir_actions_report import IrActionsReport

from .push_common import PushCommon

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
UBL = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:'
    b'Invoice-2"><ID>F2026-0042</ID></Invoice>\n'
)


@tagged("post_install", "-at_install")
class TestPushPdf(PushCommon):
    """The invoice PDF travels with the booking: one call, readable in Octopus."""

    def test_invoice_pdf_attached_and_readable_from_octopus(self):
        invoice = self._move()
        self._push(force_report_rendering=True)

        self.assertEqual(invoice.octopus_state, "sent")
        self.assertNotIn("PDF", self._booking(invoice).message)
        [stored] = self._bookings()
        [attachment] = stored["attachments"]
        self.assertEqual(attachment["fileName"], invoice._get_invoice_report_filename())
        self.assertTrue(attachment["data"].startswith(b"%PDF"), "a real PDF, not the HTML of test mode")
        self.assertEqual(
            invoice.invoice_pdf_report_id.raw,
            attachment["data"],
            "kept as the invoice's PDF: the customer gets the same file",
        )
        self.assertEqual(
            self._calls("POST /dossiers/{dossierId}/bookyears/{bookyearId}/bookings/attachements"),
            0,
            "inline with the booking: one call",
        )

    def _count_renders(self):
        """Counts the report renderings (Odoo's _pre_render_qweb_pdf) made inside the block."""
        calls = []
        original = IrActionsReport._pre_render_qweb_pdf

        def counted(report, report_ref, res_ids=None, data=None):
            calls.append(list(res_ids or []))
            return original(report, report_ref, res_ids=res_ids, data=data)

        return calls, patch.object(IrActionsReport, "_pre_render_qweb_pdf", counted)

    def test_sent_pdf_is_reused_by_send_by_email(self):
        invoice = self._move()
        self._push(force_report_rendering=True)
        sent = invoice.invoice_pdf_report_id
        self.assertTrue(sent)
        self.assertFalse(invoice.is_move_sent, "booked in Octopus is not sent to the customer")
        calls, counting = self._count_renders()
        with counting:
            self.env["account.move.send"]._generate_and_send_invoices(
                invoice, sending_methods={"manual"}, allow_raising=True
            )
        self.assertEqual(calls, [], "Send & Print renders nothing again")
        self.assertEqual(invoice.invoice_pdf_report_id, sent, "the customer gets the file Octopus has")

    def test_stored_invoice_pdf_is_the_one_sent(self):
        invoice = self._move()
        self.env["ir.attachment"].create(
            {
                "name": "INV_sent_to_customer.pdf",
                "raw": PDF,
                "mimetype": "application/pdf",
                "res_model": "account.move",
                "res_id": invoice.id,
                "res_field": "invoice_pdf_report_file",
            }
        )
        invoice.invalidate_recordset(["invoice_pdf_report_id", "invoice_pdf_report_file"])
        calls, counting = self._count_renders()
        with counting:
            self._push(force_report_rendering=True)
        self.assertEqual(calls, [], "a stored legal PDF is never rendered again")
        [attachment] = self._bookings()[0]["attachments"]
        self.assertEqual((attachment["fileName"], attachment["data"]), ("INV_sent_to_customer.pdf", PDF))

    def _bill_with_original_pdf(self):
        """A draft vendor bill whose main attachment is the supplier's own PDF."""
        bill = self._move("in_invoice", post=False)
        bill.message_main_attachment_id = self.env["ir.attachment"].create(
            {
                "name": "janssens-0042.pdf",
                "raw": PDF,
                "mimetype": "application/pdf",
                "res_model": "account.move",
                "res_id": bill.id,
            }
        )
        return bill

    def test_vendor_bill_original_travels(self):
        bill = self._bill_with_original_pdf()
        bill.action_post()
        calls, counting = self._count_renders()
        with counting:
            self._push(force_report_rendering=True)
        self.assertEqual(calls, [], "a bill renders nothing")
        [attachment] = self._bookings()[0]["attachments"]
        self.assertEqual((attachment["fileName"], attachment["data"]), ("janssens-0042.pdf", PDF))
        self.assertNotIn("PDF", self._booking(bill).message)

    def test_missing_pdf_never_loses_the_booking(self):
        # Under tests Odoo's report renderer answers HTML: it must not travel as a PDF.
        invoice = self._move()
        self._push()
        self.assertEqual(invoice.octopus_state, "sent")
        self.assertEqual(self._bookings()[0]["attachments"], [])
        self.assertIn("Booked without a PDF", self._booking(invoice).message)
        self.assertFalse(invoice.invoice_pdf_report_id)

    def test_vendor_bill_e_invoice_xml_travels_with_its_pdf(self):
        bill = self._bill_with_original_pdf()
        self.env["ir.attachment"].create(
            {
                "name": "janssens-0042.xml",
                "raw": UBL,
                "mimetype": "application/xml",
                "res_model": "account.move",
                "res_id": bill.id,
            }
        )
        self.env["ir.attachment"].create(
            {
                "name": "notes.xml",
                "raw": b"<notes/>",
                "mimetype": "application/xml",
                "res_model": "account.move",
                "res_id": bill.id,
            }
        )
        bill.action_post()
        self._push()

        attachments = self._bookings()[0]["attachments"]
        self.assertEqual(
            [(a["fileName"], a["data"]) for a in attachments],
            [("janssens-0042.pdf", PDF), ("janssens-0042.xml", UBL)],
            "the UBL, not any XML",
        )
