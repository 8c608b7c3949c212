from odoo import sql_db
from odoo.tests import tagged

from odoo.addons.account_octopus.models.octopus_push_run import IN_FLIGHT_LOCK

from .push_common import PushCommon

BOOK = "POST /dossiers/{dossierId}/buysellbookings"


@tagged("post_install", "-at_install")
class TestPushInFlight(PushCommon):
    """Never two bookings of one Octopus journal on their way at once: numbers go out in order."""

    def test_journal_with_a_booking_on_its_way_elsewhere_waits_its_turn(self):
        invoice = self._move()
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other_worker:
            other_worker.execute("SELECT pg_advisory_lock(%s, %s)", [IN_FLIGHT_LOCK, self.octopus_journals["V1"].id])
            self._push()
            self.assertEqual(invoice.octopus_state, "to_send", "not sent while the journal has one on its way")
            self.assertEqual(self._calls(BOOK), 0)
            other_worker.execute("SELECT pg_advisory_unlock_all()")
        self._push()
        self.assertEqual(invoice.octopus_state, "sent")
        self.assertEqual(self._calls(BOOK), 1)

    def test_the_journal_is_free_again_after_the_booking(self):
        self._move()
        self._push()
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other_worker:
            other_worker.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", [IN_FLIGHT_LOCK, self.octopus_journals["V1"].id]
            )
            self.assertTrue(other_worker.fetchone()[0], "released once the outcome is written")
            other_worker.execute("SELECT pg_advisory_unlock_all()")

    def test_a_run_leaves_a_busy_journal_alone_until_its_end(self):
        invoices = [self._move() for _n in range(3)]
        bill = self._move("in_invoice", lines=[(80.0, self.tax_purchase_21)])
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other_worker:
            other_worker.execute("SELECT pg_advisory_lock(%s, %s)", [IN_FLIGHT_LOCK, self.octopus_journals["V1"].id])
            taken = self.env["octopus.booking"]._push_loop([], "cron", False)
            other_worker.execute("SELECT pg_advisory_unlock_all()")
        self.assertEqual(bill.octopus_state, "sent", "the purchase journal is free: its bill goes")
        self.assertEqual([move.octopus_state for move in invoices], ["to_send"] * 3)
        self.assertEqual(len(taken), 2, "one busy turn for the sales journal (not one per invoice), then the bill")
        self._push()
        self.assertEqual([move.octopus_state for move in invoices], ["sent"] * 3, "the next run sends them")
