from odoo.tests import tagged
from odoo.tests.common import freeze_time

from .common import DEMO_DOSSIER_ID
from .push_common import SEED_LAST, PushCommon


@tagged("post_install", "-at_install")
class TestPushPayment(PushCommon):
    """With a payment journal, each invoice also gets a payment for its full amount in Octopus."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank_journal = cls._octopus_bank_journal()

    def _payments(self):
        return self.sandbox.state.financial_bookings(DEMO_DOSSIER_ID)

    def test_customer_payment_booked_after_the_invoice(self):
        self.sale_journal.octopus_payment_journal_id = self.bank_journal
        invoice = self._move(lines=[(100.0, self.tax_sale_21)])
        self._push()

        self.assertEqual((invoice.octopus_state, invoice.octopus_payment_state), ("sent", "sent"))
        nr = SEED_LAST["F1"] + 1
        self.assertEqual(invoice.octopus_payment_number, f"2026/F1/{nr}")
        [payment] = self._payments()
        self.assertEqual((payment["journalKey"], payment["documentSequenceNr"]), ("F1", nr))
        self.assertEqual(payment["booking"]["bookyearPeriodeNr"], 202603)
        self.assertEqual(
            payment["booking"]["bookingLines"],
            [{"type": "C", "relationId": 1, "amount": 121.0, "reference": invoice.octopus_number}],
        )
        self.assertIn(f"Payment booked in Octopus as 2026/F1/{nr}", self._booking(invoice, "payment").message)

    def test_supplier_payment_goes_out(self):
        self.purchase_journal.octopus_payment_journal_id = self.bank_journal
        bill = self._move("in_invoice", lines=[(50.0, self.tax_purchase_21)])
        self._push()
        self.assertEqual(bill.octopus_payment_state, "sent")
        line = self._payments()[0]["booking"]["bookingLines"][0]
        self.assertEqual((line["type"], line["relationId"], line["amount"]), ("S", 2, -60.5))

    def test_no_payment_without_payment_journal(self):
        invoice = self._move()
        self._push()
        self.assertEqual(invoice.octopus_state, "sent")
        self.assertFalse(invoice.octopus_payment_state)
        self.assertEqual(self._payments(), [])

    def test_payment_failure_never_sends_the_invoice_again(self):
        self.sale_journal.octopus_payment_journal_id = self.bank_journal
        invoice = self._move()
        self.sandbox.state.lock(DEMO_DOSSIER_ID, "F1")
        self._push()
        self.assertEqual((invoice.octopus_state, invoice.octopus_payment_state), ("sent", "waiting"))
        self.assertEqual(len(self._bookings()), 1)

        self.sandbox.state.unlock(DEMO_DOSSIER_ID, "F1")
        with freeze_time(self._later(hours=1, minutes=1)):
            self._push()
        self.assertEqual(invoice.octopus_payment_state, "sent")
        self.assertEqual(len(self._bookings()), 1, "the invoice was booked once")
        self.assertEqual(len(self._payments()), 1)

    def test_lost_payment_reply_is_found_not_sent_again(self):
        self.sale_journal.octopus_payment_journal_id = self.bank_journal
        self.sandbox.state.inject_fault("drop_after_commit", path="/financialdiversbookings")
        invoice = self._move()
        self._push()
        self.assertEqual((invoice.octopus_state, invoice.octopus_payment_state), ("sent", "uncertain"))
        with freeze_time(self._later(minutes=6)):
            self._push()
        self.assertEqual(invoice.octopus_payment_state, "sent")
        self.assertEqual(invoice.octopus_payment_number, f"2026/F1/{SEED_LAST['F1'] + 1}")
        self.assertEqual(len(self._payments()), 1, "exactly one payment")
        self.assertEqual(len(self._bookings()), 1)
