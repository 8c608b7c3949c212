"""Odoo -> Octopus: the payment the addon books for an invoice's full amount is balanced with the
invoice in Octopus, exactly once, so Octopus closes the invoice too."""

from odoo.tests import tagged
from odoo.tests.common import freeze_time

from .common import DEMO_DOSSIER_ID
from .push_common import SEED_LAST
from .test_payment_status import PaymentCommon

POST_BALANCINGS = "POST /dossiers/{dossierId}/balancings"


@tagged("post_install", "-at_install")
class TestPaymentBalancing(PaymentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank_journal = cls._octopus_bank_journal()
        cls.sale_journal.octopus_payment_journal_id = cls.bank_journal
        cls.purchase_journal.octopus_payment_journal_id = cls.bank_journal

    def _balancings(self):
        return [
            (
                b["debetDocument"]["balancingKey"]["journalKey"],
                b["debetDocument"]["balancingKey"]["lineSequenceNr"],
                b["creditDocument"]["balancingKey"]["journalKey"],
                b["creditDocument"]["balancingKey"]["lineSequenceNr"],
                b["creditBalancedBookingAmount"],
            )
            for b in self.sandbox.state.balancings(DEMO_DOSSIER_ID)
        ]

    def test_own_payment_is_balanced_with_its_invoice_once(self):
        invoice = self._move()
        self._push()
        self.assertEqual(self._booking(invoice, "balancing").state, "sent")
        self.assertEqual(self._balancings(), [("V1", -1, "F1", 1, 121.0)])
        [balancing] = self.sandbox.state.balancings(DEMO_DOSSIER_ID)
        self.assertEqual(balancing["debetDocument"]["balancingKey"]["documentSequenceNr"], SEED_LAST["V1"] + 1)
        self.assertEqual(balancing["creditDocument"]["balancingKey"]["documentSequenceNr"], SEED_LAST["F1"] + 1)
        self._push()
        self.assertEqual(self._calls(POST_BALANCINGS), 1)

        # read back, the invoice shows paid; the Octopus payment is not sent to Octopus again
        self._read()
        self.assertEqual(invoice.octopus_settlement, "paid")
        self.assertEqual(len(self._payments()), 1)

    def test_vendor_bill_payment_is_the_debit_side(self):
        self._move("in_invoice", lines=[(50.0, self.tax_purchase_21)])
        self._push()
        self.assertEqual(self._balancings(), [("F1", 1, "A1", -1, 60.5)])

    def test_lost_reply_is_checked_before_any_retry(self):
        self.sandbox.state.inject_fault("drop_after_commit", path="/balancings")
        invoice = self._move()
        self._push()
        booking = self._booking(invoice, "balancing")
        self.assertEqual(booking.state, "uncertain")
        with freeze_time(self._later(minutes=6)):
            self._push()
        self.assertEqual(booking.state, "sent")
        self.assertIn("not sent again", booking.message)
        self.assertEqual(self._calls(POST_BALANCINGS), 1, "exactly one POST")
        self.assertEqual(self._balancings(), [("V1", -1, "F1", 1, 121.0)], "balanced once, not twice")

    def test_reply_lost_before_octopus_stored_it_is_sent_again(self):
        self.sandbox.state.inject_fault("drop", path="/balancings")
        invoice = self._move()
        self._push()
        self.assertEqual(self._booking(invoice, "balancing").state, "uncertain")
        with freeze_time(self._later(minutes=6)):
            self._push()
        self.assertEqual(self._booking(invoice, "balancing").state, "sent")
        self.assertEqual(self._balancings(), [("V1", -1, "F1", 1, 121.0)])

    def test_failed_balancing_is_sent_again_from_the_move_header(self):
        """Octopus refused the balancing (the accountant had balanced the invoice with another bank
        line); once they undid theirs, the move's one send action balances the payment."""
        invoice = self._move()
        self._push(limit=2)  # the invoice and its payment; the balancing is still queued
        accountant = self._pay(invoice)["balancing"]
        self._push()
        booking = self._booking(invoice, "balancing")
        self.assertEqual(booking.state, "failed")
        self.assertEqual(invoice.octopus_balancing_state, "failed", "the header's Send to Octopus and notice show")
        self.assertIn("balanced it already", invoice.octopus_balancing_message)

        self.sandbox.state.delete_balancing(
            DEMO_DOSSIER_ID, accountant["debetDocument"]["balancingKey"], accountant["creditDocument"]["balancingKey"]
        )
        invoice.action_octopus_send_now()
        self.assertEqual(booking.state, "sent", booking.message)
        self.assertEqual(self._balancings(), [("V1", -1, "F1", 1, 121.0)], "Odoo's own payment, balanced once")
        self.assertEqual(self._calls(POST_BALANCINGS), 2, "the refused POST, then the one Send to Octopus made")

    def test_manager_marks_a_balancing_done_in_octopus_as_sent(self):
        invoice = self._move()
        self._push(limit=2)
        self._pay(invoice)
        self._push()
        self.assertEqual(self._booking(invoice, "balancing").state, "failed")
        invoice.action_octopus_mark_sent()  # the action menu's "Mark as sent manually"
        self.assertEqual(self._booking(invoice, "balancing").state, "sent")
        self.assertEqual(invoice.octopus_balancing_state, "sent")
        self._push()
        self.assertEqual(self._calls(POST_BALANCINGS), 1, "not sent again")

    def _payments(self):
        return self.sandbox.state.financial_bookings(DEMO_DOSSIER_ID)
