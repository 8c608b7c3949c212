"""Octopus -> Odoo: invoices balanced (paid) in Octopus show their payment status in Odoo and, when
the company asks for it, are registered as paid in Odoo in the chosen journal."""

from odoo.tests import tagged

from odoo.addons.account_octopus.octopus.booking import balancing_key

from .common import DEMO_DOSSIER_ID
from .push_common import PushCommon

PAID = ("paid", "in_payment")  # Odoo's payment state of a paid invoice (in_payment with bank matching)


@tagged("post_install", "-at_install")
class PaymentCommon(PushCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.paid_journal = cls.env["account.journal"].create(
            {"name": "Paid in Octopus", "type": "bank", "code": "OCTP", "company_id": cls.company.id}
        )
        cls.company.octopus_payment_register_journal_id = cls.paid_journal

    def _key(self, move):
        booking = self._booking(move)
        return balancing_key(booking.bookyear_id.octopus_key, booking.journal_key, booking.document_nr)

    def _pay(self, move, amount=None, dossier_id=DEMO_DOSSIER_ID):
        """The accountant matched a bank line with `move` in Octopus (sandbox control)."""
        key = self._key(move)
        return self.sandbox.state.pay_in_octopus(
            dossier_id, key["bookyearKey"]["id"], key["journalKey"], key["documentSequenceNr"], amount
        )

    def _read(self, dossier=None):
        result, _moves = (dossier or self.dossier)._read_payments()
        self.env.invalidate_all()
        return result

    def _odoo_payments(self, move):
        return (
            self.env["account.payment"]
            .search([("company_id", "=", move.company_id.id), ("state", "!=", "canceled")])
            .filtered(lambda p: move in (p.reconciled_invoice_ids | p.reconciled_bill_ids))
        )

    def _modified_reads(self):
        return self._calls("GET /dossiers/{dossierId}/balancings/modified")


@tagged("post_install", "-at_install")
class TestPaymentStatus(PaymentCommon):
    def test_paid_in_octopus_is_paid_in_odoo(self):
        invoice = self._move()  # 121.00
        self._push()
        self.assertEqual(invoice.octopus_settlement, "open")
        self._pay(invoice)
        bookings_before = self.env["octopus.booking"].search_count([])
        self.assertEqual(self._read(), "read")

        self.assertEqual((invoice.octopus_settlement, invoice.octopus_settled_amount), ("paid", 121.0))
        self.assertEqual(invoice.octopus_settled_date, invoice.octopus_debet_balancing_ids.date)
        self.assertIn(invoice.payment_state, PAID)
        [payment] = self._odoo_payments(invoice)
        self.assertEqual((payment.journal_id, payment.amount), (self.paid_journal, 121.0))
        # the payment came from Octopus: nothing of it goes back
        self.assertEqual(self.env["octopus.booking"].search_count([]), bookings_before)
        self._push()
        self.assertEqual(self._calls("POST /dossiers/{dossierId}/financialdiversbookings"), 0)

        # the next read overlaps this one: the same balancing read again changes nothing
        self.assertEqual(self._read(), "read")
        self.assertEqual(self._odoo_payments(invoice), payment)
        self.assertEqual(self._modified_reads(), 2)

    def test_partly_paid(self):
        invoice = self._move()
        self._push()
        self._pay(invoice, 50.0)
        self._read()
        self.assertEqual((invoice.octopus_settlement, invoice.octopus_settled_amount), ("partial", 50.0))
        self.assertEqual(invoice.payment_state, "partial")
        self.assertAlmostEqual(invoice.amount_residual, 71.0)

    def test_paid_in_two_steps_adds_up(self):
        invoice = self._move()
        self._push()
        self._pay(invoice, 50.0)
        self._read()
        self._pay(invoice)  # the 71.00 left
        self._read()
        self.assertEqual((invoice.octopus_settlement, invoice.octopus_settled_amount), ("paid", 121.0))
        self.assertIn(invoice.payment_state, PAID)
        self.assertEqual(sorted(self._odoo_payments(invoice).mapped("amount")), [50.0, 71.0])

    def test_deleted_balancing_undoes_the_payment(self):
        invoice = self._move()
        self._push()
        self._pay(invoice)
        self._read()
        payment = self._odoo_payments(invoice)
        [balancing] = self.sandbox.state.balancings(DEMO_DOSSIER_ID)
        self.sandbox.state.delete_balancing(
            DEMO_DOSSIER_ID, balancing["debetDocument"]["balancingKey"], balancing["creditDocument"]["balancingKey"]
        )
        self._read()
        self.assertEqual((invoice.octopus_settlement, invoice.octopus_settled_amount), ("open", 0.0))
        self.assertEqual(payment.state, "canceled")
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(invoice.octopus_debet_balancing_ids.state, "deleted")

    def test_credit_note_against_invoice_is_reconciled(self):
        invoice = self._move()
        refund = self._move("out_refund")
        self._push()
        self.dossier._get_api().insert_balancing(self._key(invoice), self._key(refund), 121.0)
        self._read()
        self.assertEqual((invoice.octopus_settlement, refund.octopus_settlement), ("paid", "paid"))
        self.assertEqual((invoice.amount_residual, refund.amount_residual), (0.0, 0.0))
        self.assertFalse(self._odoo_payments(invoice), "reconciled with the credit note, no payment")

        # deleted in Octopus: the reconciliation Odoo made goes too
        self.dossier._get_api().delete_balancing(self._key(invoice), self._key(refund))
        self._read()
        self.assertEqual((invoice.amount_residual, refund.amount_residual), (121.0, 121.0))

    def test_credit_note_already_reconciled_in_odoo(self):
        invoice = self._move()
        refund = self._move("out_refund")
        self._push()
        lines = (invoice | refund).line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        lines.reconcile()
        partials = lines.matched_debit_ids | lines.matched_credit_ids
        self.dossier._get_api().insert_balancing(self._key(invoice), self._key(refund), 121.0)
        self._read()
        self.assertEqual(invoice.octopus_settlement, "paid")
        self.assertEqual(lines.matched_debit_ids | lines.matched_credit_ids, partials)
        self.assertFalse(invoice.octopus_debet_balancing_ids.partial_ids)

    def test_vendor_bill_paid(self):
        bill = self._move("in_invoice", lines=[(50.0, self.tax_purchase_21)])
        self._push()
        self._pay(bill)
        self._read()
        self.assertEqual((bill.octopus_settlement, bill.octopus_settled_amount), ("paid", 60.5))
        [payment] = self._odoo_payments(bill)
        self.assertEqual(payment.payment_type, "outbound")
        self.assertIn(bill.payment_state, PAID)

    def test_payment_registered_in_odoo_first_is_not_doubled(self):
        invoice = self._move()
        self._push()
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {"journal_id": self.company_data["default_journal_bank"].id}
        )._create_payments()
        self._pay(invoice)
        self._read()
        self.assertEqual(invoice.octopus_settlement, "paid")
        self.assertEqual(len(self._odoo_payments(invoice)), 1, "only the payment registered by hand")
        self.assertIn("already shows", invoice.octopus_debet_balancing_ids.note)

    def test_status_only_without_the_setting(self):
        self.company.octopus_register_payments = False
        invoice = self._move()
        self._push()
        self._pay(invoice)
        self._read()
        self.assertEqual(invoice.octopus_settlement, "paid")
        self.assertEqual(invoice.payment_state, "not_paid")

    def test_nothing_read_before_anything_was_sent(self):
        self.assertEqual(self._read(), "nothing")
        self.assertEqual(self._modified_reads(), 0)


@tagged("post_install", "-at_install")
class TestPaymentReadLimits(PaymentCommon):
    def _use_modified_reads(self, count):
        self.env["octopus.call.counter"]._count_call(self.connection.id, "GET /relations/modified", DEMO_DOSSIER_ID)
        self.env["octopus.call.counter"].sudo().search([("operation", "=", "GET /relations/modified")]).count = count

    def test_daily_limit_waits_then_catches_up(self):
        invoice = self._move()
        self._push()
        self._read()
        read_at = self.dossier.balancings_read_at
        # the other ".../modified" reads of the day used what the payment read may take
        self._use_modified_reads(42)
        self._pay(invoice)
        self.env["octopus.dossier"]._cron_read_payments()
        self.assertEqual(self._modified_reads(), 1, "no read past the shared limit")
        self.assertEqual(self.dossier.balancings_read_at, read_at, "the read waits where it was")
        self.assertEqual(invoice.octopus_settlement, "open")

        self.env["octopus.call.counter"].sudo().search([]).unlink()  # a new day
        self.env["octopus.dossier"]._cron_read_payments()
        self.env.invalidate_all()
        self.assertEqual(invoice.octopus_settlement, "paid", "caught up: the balancing was not missed")

    def test_octopus_limit_answer_waits_too(self):
        invoice = self._move()
        self._push()
        self.sandbox.state.enforce_limits = True
        self.sandbox.state.set_limit("GET /balancings/modified", 0)
        self._pay(invoice)
        self.assertEqual(self._read(), "limit")
        self.assertFalse(self.dossier.balancings_read_at)
        self.sandbox.state.set_limit("GET /balancings/modified", 48)
        self.assertEqual(self._read(), "read")
        self.assertEqual(invoice.octopus_settlement, "paid")


@tagged("post_install", "-at_install")
class TestPaymentTwoCompanies(PaymentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._link_other_company()
        cls.other.octopus_payment_register_journal_id = cls.env["account.journal"].create(
            {"name": "Paid in Octopus", "type": "bank", "code": "OCTP", "company_id": cls.other.id}
        )

    def test_payment_lands_in_its_own_company(self):
        invoice = self._move()
        other_invoice = self._other_invoices()
        self._push()
        self.assertEqual(other_invoice.octopus_state, "sent")
        self._pay(invoice)

        self.env["octopus.dossier"]._cron_read_payments()
        self.env.invalidate_all()
        self.assertEqual((invoice.octopus_settlement, other_invoice.octopus_settlement), ("paid", "open"))
        self.assertEqual(self._odoo_payments(invoice).company_id, self.company)
        self.assertFalse(self.env["account.payment"].search([("company_id", "=", self.other.id)]))
        self.assertEqual(other_invoice.payment_state, "not_paid")
