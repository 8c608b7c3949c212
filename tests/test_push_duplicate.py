from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tests.common import freeze_time

from odoo.addons.account_octopus.models.octopus_purchase_booking import PURCHASES_KEPT, PURCHASES_READ

from .common import DEMO_DOSSIER_ID
from .push_common import SEED_LAST, PushCommon

LISTING = "GET /dossiers/{dossierId}/buysellbookings/modified"
POST_BOOKING = "POST /dossiers/{dossierId}/buysellbookings"
PEPPOL_NR = SEED_LAST["A1"] + 1  # the bill Octopus' Peppol inbox books first takes A1's next number
SUPPLIER_VAT = "BE0456.789.133"  # Drukkerij Janssens BV, PushCommon's supplier, a relation of dossier 1001


@tagged("post_install", "-at_install")
class TestPushDuplicate(PushCommon):
    """A vendor bill that reached Octopus by Peppol already waits for a person instead of being booked twice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = cls._invoicing_user("octopus_duplicate_clerk")

    def _peppol(self, reference="F2026-0042", amount=121.0):
        """Octopus' Peppol inbox books the supplier's bill (before Odoo sends its own)."""
        return self.sandbox.state.receive_by_peppol(DEMO_DOSSIER_ID, 2, SUPPLIER_VAT, reference, amount)

    def _bill(self, ref="F2026-0042", price=100.0, move_type="in_invoice"):
        """A bill of PushCommon's supplier with its reference, 21 % VAT on top (100.00 -> 121.00)."""
        move = self._move(move_type, lines=[(price, self.tax_purchase_21)], post=False)
        move.ref = ref
        move.action_post()
        return move

    def _activities(self, move):
        duplicate = self.env.ref("account_octopus.mail_activity_type_octopus_duplicate")
        return move.activity_ids.filtered(lambda a: a.activity_type_id == duplicate)

    def test_bill_held_when_octopus_holds_the_same_supplier_reference_and_amount(self):
        self._peppol()
        self._peppol("CN-7", -60.5)
        bill = self._bill()
        refund = self._bill("cn-7", price=50.0, move_type="in_refund")  # the reference's case does not matter
        self._push()

        for move, reference in ((bill, "F2026-0042"), (refund, "CN-7")):
            booking = self._booking(move)
            self.assertEqual(move.octopus_state, "held")
            self.assertIn("Possible duplicate", booking.message)
            self.assertIn(reference, booking.message)
            self.assertFalse(booking.next_try, "not due: the job leaves it alone")
            self.assertEqual(move.octopus_attempt_ids.mapped("outcome"), ["held"])
            self.assertIn(
                self.env.user, self._activities(move).user_id, "the company's Octopus managers are asked to decide"
            )
        self.assertEqual(self._booking(bill).duplicate_of, f"2026/A1/{PEPPOL_NR}")
        self.assertIn(f"2026/A1/{PEPPOL_NR}", self._booking(bill).message)
        self.assertEqual(self._booking(refund).duplicate_of, f"2026/A1/{PEPPOL_NR + 1}")
        self.assertEqual(self._calls(POST_BOOKING), 0)
        self.assertEqual(self._calls(LISTING), 1, "one read of Octopus' bookings for both bills")

        with freeze_time(self._later(days=1)):
            self._push()
        self.assertEqual((bill.octopus_state, refund.octopus_state), ("held", "held"))
        self.assertEqual(self._calls(POST_BOOKING), 0)
        bill.action_octopus_send_now()  # "Send to Octopus" does not pass over the hold either
        self.assertEqual(bill.octopus_state, "held")

    def test_no_hold_when_the_amount_or_the_reference_differs(self):
        self._peppol()
        other_reference = self._bill("F2026-0043")
        other_amount = self._bill(price=200.0)
        no_reference = self._bill(ref=False)
        self._push()

        for move in (other_reference, other_amount, no_reference):
            self.assertEqual(move.octopus_state, "sent", move.ref)
        self.assertEqual(len(self._bookings("A1")), 4, "the Peppol booking and the three bills")
        self.assertEqual(self._calls(LISTING), 1)

    def test_send_anyway_books_it_once(self):
        self._peppol()
        bill = self._bill()
        self._push()
        booking = self._booking(bill)
        with self.assertRaises(AccessError):
            booking.with_user(self.clerk).action_octopus_send_anyway()

        booking.action_octopus_send_anyway()  # from the Octopus monitor
        self.assertEqual(bill.octopus_state, "to_send")
        self.assertFalse(self._activities(bill), "the decision closes the activity")
        self._push()
        self.assertEqual(bill.octopus_state, "sent")
        self.assertEqual(bill.octopus_number, f"2026/A1/{PEPPOL_NR + 1}")
        with freeze_time(self._later(hours=2)):
            self._push()
        self.assertEqual([b["booking"]["reference"] for b in self._bookings("A1")], ["F2026-0042", bill.name])
        with self.assertRaises(UserError):
            bill.action_octopus_send_anyway()

    def test_adopt_takes_the_number_and_sends_nothing(self):
        self._peppol()
        bill, twin = self._bill(), self._bill()  # the same bill entered twice in Odoo
        self._push()
        self.assertEqual((bill.octopus_state, twin.octopus_state), ("held", "held"))

        bill.action_octopus_adopt_duplicate()
        self.assertEqual(bill.octopus_state, "sent")
        self.assertEqual(bill.octopus_number, f"2026/A1/{PEPPOL_NR}")
        self.assertIn("adopted", self._booking(bill).message)
        self.assertEqual(bill.octopus_attempt_ids.mapped("outcome"), ["adopted", "held"])
        self.assertFalse(self._activities(bill))
        with self.assertRaises(UserError) as raised:
            twin.action_octopus_adopt_duplicate()
        self.assertIn(bill.display_name, str(raised.exception))
        self.assertEqual(twin.octopus_state, "held")
        self._push()
        self.assertEqual(self._calls(POST_BOOKING), 0, "nothing is sent")
        self.assertEqual(len(self._bookings("A1")), 1)

    def test_lost_reply_after_send_anyway_never_doubles(self):
        self._peppol()
        bill = self._bill()
        self._push()
        bill.action_octopus_send_anyway()
        self.sandbox.state.inject_fault("drop_after_commit", path="/buysellbookings")
        self._push()
        self.assertEqual(bill.octopus_state, "uncertain")

        with freeze_time(self._later(hours=2)):
            self._push()
        self.assertEqual(bill.octopus_state, "sent", "its own booking found in Octopus; not held again")
        self.assertEqual(bill.octopus_number, f"2026/A1/{PEPPOL_NR + 1}")
        self.assertEqual(
            [b["booking"]["reference"] for b in self._bookings("A1")],
            ["F2026-0042", bill.name],
            "the Peppol booking and the bill's, once",
        )

    def test_one_read_an_hour_within_the_daily_limit(self):
        self._peppol()
        for nr in range(5):
            self._bill(f"A-{nr}")
        self._push()
        self.assertEqual(self._calls(LISTING), 1, "one read serves every bill")
        with freeze_time(self._later(minutes=30)):
            held = self._bill()
            self._push()
        self.assertEqual(held.octopus_state, "held")
        self.assertEqual(self._calls(LISTING), 1, "the copy read half an hour ago is trusted")

        # The day's share of that read is used (others need what is left): no more reads today.
        counter = self.env["octopus.call.counter"]
        while counter._remaining(self.connection, PURCHASES_READ, DEMO_DOSSIER_ID) > PURCHASES_KEPT:
            counter._count_call(self.connection.id, PURCHASES_READ, DEMO_DOSSIER_ID)
        self._peppol("B-1")
        with freeze_time(self._later(hours=2)):
            unseen, still_known = self._bill("B-1"), self._bill()
            self._push()
        self.assertEqual(self._calls(LISTING), 1)
        self.assertEqual(unseen.octopus_state, "sent", "compared with the copy as it is")
        self.assertEqual(still_known.octopus_state, "held")
        self.assertIn("no read left today", unseen.octopus_attempt_ids[0].request_summary)
