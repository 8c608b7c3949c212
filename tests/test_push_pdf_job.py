from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.account_octopus.models import account_move_pdf
from odoo.addons.base.models.ir_actions_report import IrActionsReport

from .push_common import PushCommon

ATTACH = "POST /dossiers/{dossierId}/bookyears/{bookyearId}/bookings/attachements"
BOOK = "POST /dossiers/{dossierId}/buysellbookings"


@tagged("post_install", "-at_install")
class TestPushPdfJob(PushCommon):
    """The PDF job renders the legal PDFs of queued invoices ahead of the push, which only sends them;
    an invoice booked without its PDF gets it attached afterwards."""

    def _renders(self, fail=False):
        """(calls, patch): the ids of each report rendering made inside the block; `fail`: each raises."""
        calls = []
        original = IrActionsReport._pre_render_qweb_pdf

        def counted(report, report_ref, res_ids=None, data=None):
            calls.append(list(res_ids or []))
            if fail:
                raise OSError("wkhtmltopdf crashed")
            return original(report, report_ref, res_ids=res_ids, data=data)

        return calls, patch.object(IrActionsReport, "_pre_render_qweb_pdf", counted)

    def _pdf_job(self, multi_page=False):
        binary = account_move_pdf._get_wkhtmltopdf_bin()
        with patch.dict(account_move_pdf.MULTI_PAGE, {binary: multi_page}):
            self.env["octopus.booking"].with_context(force_report_rendering=True)._cron_prepare_pdfs()

    def test_pdf_prepared_ahead_is_sent_without_rendering(self):
        invoice = self._move()
        self._pdf_job()
        prepared = invoice.invoice_pdf_report_id
        self.assertTrue(prepared.raw.startswith(b"%PDF"), "the invoice's legal PDF, ready before the push")
        self.assertEqual(invoice.octopus_state, "to_send", "the PDF job sends nothing")
        self.assertEqual(self._calls(BOOK), 0)

        calls, counting = self._renders()
        with counting:
            self._push(force_report_rendering=True)
        self.assertEqual(calls, [], "the push renders nothing")
        self.assertEqual(invoice.octopus_state, "sent")
        [attachment] = self._bookings()[0]["attachments"]
        self.assertEqual(attachment["data"], prepared.raw)

    def test_several_invoices_per_run_when_the_build_can(self):
        invoices = self._move() | self._move(lines=[(250.0, self.tax_sale_21)])
        calls, counting = self._renders()
        with counting:
            self._pdf_job(multi_page=True)
        self.assertEqual(calls[0], invoices.ids, "one wkhtmltopdf run for both")
        for invoice in invoices:
            self.assertTrue(invoice.invoice_pdf_report_id.raw.startswith(b"%PDF"), "each its own PDF")
        self.assertNotEqual(*invoices.invoice_pdf_report_id.mapped("checksum"))
        # Debian's unpatched build refuses a second page: then each was rendered again on its own
        self.assertIn(len(calls), (1, 3))

    def test_one_invoice_per_run_otherwise(self):
        invoices = self._move() | self._move(lines=[(250.0, self.tax_sale_21)])
        calls, counting = self._renders()
        with counting:
            self._pdf_job(multi_page=False)
        self.assertEqual(sorted(calls), [[invoice.id] for invoice in invoices])
        self.assertTrue(all(invoices.mapped("invoice_pdf_report_id")))

    def test_bills_and_number_follows_journals_are_left_to_the_push(self):
        self.sale_journal.octopus_number_follows = True
        self._move()
        self._move("in_invoice")
        calls, counting = self._renders()
        with counting:
            self._pdf_job()
        self.assertEqual(calls, [], "their PDF is the supplier's, or shows the Octopus number")

    def test_pdf_that_cannot_be_rendered_follows_the_booking(self):
        invoice = self._move()
        _calls, failing = self._renders(fail=True)
        with failing:
            self._pdf_job()
            self._push(force_report_rendering=True)
        booking = self._booking(invoice)
        self.assertEqual(invoice.octopus_state, "sent", "a PDF never blocks the booking")
        self.assertIn("Booked without a PDF: Odoo could not render it (wkhtmltopdf crashed).", booking.message)
        self.assertIn("The PDF follows in Octopus once Odoo renders it.", booking.message)
        self.assertEqual(self._bookings()[0]["attachments"], [])

        self._pdf_job()
        self.assertEqual(self._calls(ATTACH), 1, "the PDF follows through the attachment endpoint")
        [attachment] = self._bookings()[0]["attachments"]
        self.assertEqual(attachment["data"], invoice.invoice_pdf_report_id.raw)
        self.assertFalse(booking.pdf_follows)
        self.assertIn("now attached", invoice.message_ids[0].body)
        self._pdf_job()
        self.assertEqual(self._calls(ATTACH), 1, "attached once")

    def test_pdf_that_still_cannot_be_rendered_ends_with_a_note(self):
        invoice = self._move()
        _calls, failing = self._renders(fail=True)
        with failing:
            self._push(force_report_rendering=True)
            self._pdf_job()
        self.assertFalse(self._booking(invoice).pdf_follows, "no endless retries")
        self.assertIn("Attach it to booking", invoice.message_ids[0].body)
        self.assertEqual(self._calls(ATTACH), 0)

    def test_postings_wake_the_jobs_once(self):
        triggers = self.env["ir.cron.trigger"].sudo()
        push = self.env.ref("account_octopus.ir_cron_octopus_push")
        pdf = self.env.ref("account_octopus.ir_cron_octopus_pdf")
        triggers.search([("cron_id", "in", (push | pdf).ids)]).unlink()

        def wake_ups():
            """Odoo's wake-ups of the cron workers waiting for the commit (a NOTIFY through a new connection)."""
            return sum(getattr(hook, "__name__", "") == "_notifydb" for hook in self.env.cr.postcommit._funcs)

        before = wake_ups()
        self._move()
        self._move()
        self.assertEqual(wake_ups() - before, 2, "one wake-up of the workers for both postings, per job")
        self.assertEqual(triggers.search_count([("cron_id", "=", pdf.id)]), 1)
        # Each posting leaves a trigger of the push, so one outlives a push run that is ending (_wake_jobs)
        self.assertEqual(triggers.search_count([("cron_id", "=", push.id)]), 2)
