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
