from datetime import datetime, time, timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tests.common import freeze_time
from odoo.tools import SQL

from .common import DEMO_DOSSIER_ID
from .push_common import SEED_LAST, PushCommon

POST_BOOKING = "POST /dossiers/{dossierId}/buysellbookings"
V1 = SEED_LAST["V1"]


@tagged("post_install", "-at_install")
class TestPushFaults(PushCommon):
    """Locks, outages, lost replies and refusals: nothing is lost, nothing is booked twice."""

    def _force(self, move, **values):
        """Set the booking's columns as a crash or a race would leave them, past the state machine."""
        booking = self._booking(move)
        booking.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE octopus_booking SET %s WHERE id = %s",
                SQL(", ").join(SQL("%s = %s", SQL.identifier(name), value) for name, value in values.items()),
                booking.id,
            )
        )
        booking.invalidate_recordset()
        move.invalidate_recordset()
        self.env.add_to_compute(move._fields["octopus_state"], move)

    def _lock_notes(self):
        return self.dossier.message_ids.filtered(lambda m: "open by another user" in (m.body or ""))

    def test_lock_waits_notifies_once_then_cron_an_hour_later_sends_all(self):
        self.sandbox.state.lock(DEMO_DOSSIER_ID)
        first, second = self._move(), self._move()
        self._push()

        self.assertEqual((first.octopus_state, second.octopus_state), ("waiting", "waiting"))
        self.assertEqual(self._booking(first).waiting_reason, "lock")
        self.assertIn("open by another user", self._booking(first).message)
        self.assertEqual(self._calls(POST_BOOKING), 1, "the other invoices wait without calling Octopus")
        [note] = self._lock_notes()
        self.assertTrue(note.subtype_id.internal)
        activities = self.dossier.activity_ids
        self.assertIn(self.env.user, activities.user_id, "the responsible users have it in Odoo's activities")
        self.assertIn("open by another user", str(activities[:1].note))

        third = self._move()  # posted during the lock
        self._push()
        with freeze_time(self._later(minutes=30)):
            self._push()
        self.assertEqual(third.octopus_state, "waiting")
        self.assertEqual(self._calls(POST_BOOKING), 1)
        self.assertEqual(len(self._lock_notes()), 1, "one notification, not one per invoice or per run")
        self.assertEqual(len(self.dossier.activity_ids), len(activities), "one activity per person and lock")

        self.sandbox.state.unlock(DEMO_DOSSIER_ID)
        with freeze_time(self._later(hours=1, minutes=1)):
            self._push()
        self.assertEqual([m.octopus_state for m in (first, second, third)], ["sent"] * 3)
        self.assertEqual(
            [self._booking(m).document_nr for m in (first, second, third)], [V1 + 1, V1 + 2, V1 + 3], "oldest first"
        )
        self.assertEqual(len(self._bookings()), 3)
        self.assertFalse(self.dossier.push_paused_until)
        self.assertTrue(self.dossier.message_ids.filtered(lambda m: "accepts bookings again" in (m.body or "")))
        self.assertFalse(self.dossier.activity_ids, "the lock's activity is done once Octopus accepts bookings")

    def test_cron_run_by_hand_after_unlock_sends_at_once(self):
        self.sandbox.state.lock(DEMO_DOSSIER_ID)
        first, second = self._move(), self._move()
        self._push()
        self.assertEqual((first.octopus_state, second.octopus_state), ("waiting", "waiting"))
        self.sandbox.state.unlock(DEMO_DOSSIER_ID)
        self._push()
        self.assertEqual(first.octopus_state, "waiting", "the scheduled runs wait for the hourly retry")

        self.env.ref("account_octopus.ir_cron_octopus_push").sudo().method_direct_trigger()  # "Run manually"
        self.assertEqual((first.octopus_state, second.octopus_state), ("sent", "sent"))

    def test_retry_on_a_waiting_invoice_tries_now(self):
        self.sandbox.state.lock(DEMO_DOSSIER_ID)
        invoice = self._move()
        self._push()
        self.sandbox.state.unlock(DEMO_DOSSIER_ID)
        invoice.action_octopus_retry()
        self._push()
        self.assertEqual(invoice.octopus_state, "sent")

    def test_lock_reported_as_closed_journal_code_is_still_a_lock(self):
        self.sandbox.state.lock_error_code = -11  # ref §7.3: Octopus may answer -11 for a lock
        self.sandbox.state.lock(DEMO_DOSSIER_ID, "V1")
        invoice = self._move()
        self._push()
        self.assertEqual((invoice.octopus_state, self._booking(invoice).waiting_reason), ("waiting", "lock"))

    def test_5xx_on_the_booking_then_success(self):
        self.sandbox.state.inject_fault("5xx", path="/buysellbookings")
        invoice = self._move()
        self._push()
        self.assertEqual(invoice.octopus_state, "uncertain", "a 5xx on a write may hide a stored booking")
        self.assertEqual(self._bookings(), [])

        with freeze_time(self._later(minutes=6)):
            self._push()
        self.assertEqual(invoice.octopus_state, "sent")
        self.assertEqual(self._booking(invoice).document_nr, V1 + 1)
        self.assertEqual(len(self._bookings()), 1)
        self.assertEqual(invoice.octopus_attempt_ids.mapped("outcome"), ["sent", "uncertain"])

    def test_5xx_on_a_read_is_retried_at_once(self):
        self.dossier.relations_read_at = fields.Datetime.now() - timedelta(hours=1)  # the push reads the changes
        self.sandbox.state.inject_fault("5xx", path="/relations/modified")
        invoice = self._move()
        self._push()
        self.assertEqual(invoice.octopus_state, "sent")
        self.assertEqual(self._calls("GET /dossiers/{dossierId}/relations/modified"), 2, "failed once, repeated once")

    def test_lost_reply_then_retry_books_exactly_once(self):
        self.sandbox.state.inject_fault("drop_after_commit", path="/buysellbookings")
        invoice = self._move()
        self._push()
        self.assertEqual(invoice.octopus_state, "uncertain")
        self.assertIn("answer was lost", self._booking(invoice).message)
        self.assertEqual(len(self._bookings()), 1, "Octopus stored it")

        self._push()  # too early: the check waits a few minutes
        self.assertEqual(invoice.octopus_state, "uncertain")
        with freeze_time(self._later(minutes=6)):
            self._push()
        self.assertEqual(invoice.octopus_state, "sent")
        self.assertEqual(invoice.octopus_number, f"2026/V1/{V1 + 1}")
        self.assertIn("found in Octopus, not sent again", self._booking(invoice).message)
        self.assertEqual(len(self._bookings()), 1, "exactly one booking")
        self.assertEqual(self._calls(POST_BOOKING), 1)
        self.assertEqual(invoice.octopus_attempt_ids.mapped("outcome"), ["adopted", "uncertain"])

    def test_crashed_worker_leaves_sending_which_is_checked(self):
        invoice = self._move()
        self._push()
        # As if the worker died right after Octopus stored the booking, before Odoo wrote "sent".
        self._force(invoice, state="sending", check_needed=True, next_try=fields.Datetime.now() + timedelta(minutes=10))
        self._push()
        self.assertEqual(invoice.octopus_state, "sending", "not before the send could have finished")
        with freeze_time(self._later(minutes=11)):
            self._push()
        self.assertEqual(invoice.octopus_state, "sent")
        self.assertEqual(len(self._bookings()), 1)
        self.assertEqual(self._calls(POST_BOOKING), 1)

    def test_closed_period_fails_then_retry_after_the_fix(self):
        self.sandbox.state.protect_period(DEMO_DOSSIER_ID, 2, "V1", 202603)
        invoice = self._move()
        self._push()
        self.assertEqual(invoice.octopus_state, "failed")
        self.assertIn("protected", self._booking(invoice).message)
        self.assertIn("press Send to Octopus", self._booking(invoice).message)
        self.assertEqual(invoice.octopus_attempt_ids.error_code, -15)

        self.sandbox.state.protect_period(DEMO_DOSSIER_ID, 2, "V1", 0)  # the accountant unprotects it
        invoice.action_octopus_retry()
        self.assertEqual(invoice.octopus_state, "to_send")
        self._push()
        self.assertEqual(invoice.octopus_state, "sent")
        self.assertEqual(self._booking(invoice).document_nr, V1 + 1, "the refused number was given back")

    def test_closed_journal_known_locally_fails_without_calling_octopus(self):
        self.sandbox.state.close(DEMO_DOSSIER_ID, 2, "V1")
        bookyear = self.dossier.bookyear_ids.filtered(lambda b: b.octopus_key == 2)
        self.dossier._refresh_journal_numbers(bookyear)
        invoice = self._move()
        self._push()
        self.assertEqual(invoice.octopus_state, "failed")
        self.assertIn("V1 is closed", self._booking(invoice).message)
        self.assertEqual(self._calls(POST_BOOKING), 0)

        self.sandbox.state.dossiers[DEMO_DOSSIER_ID].bookyears[2].journals["V1"].closed = False
        invoice.action_octopus_retry()  # reads the journal again: it is open now
        self._push()
        self.assertEqual(invoice.octopus_state, "sent")

    def test_journal_closed_in_octopus_meanwhile_fails_with_the_fix(self):
        self.sandbox.state.close(DEMO_DOSSIER_ID, 2, "V1")  # our copy still says open
        invoice = self._move()
        self._push()
        self.assertEqual(invoice.octopus_state, "failed")
        self.assertIn("closed", self._booking(invoice).message)
        self.assertIn("reopen", self._booking(invoice).message)

    def test_booking_typed_in_octopus_meanwhile_takes_the_next_number(self):
        self.sandbox.state.book_directly(DEMO_DOSSIER_ID, 2, "V1")
        invoice = self._move()
        self._push()
        self.assertEqual(invoice.octopus_state, "sent")
        self.assertEqual(self._booking(invoice).document_nr, V1 + 2)
        self.assertEqual(self._calls(POST_BOOKING), 2)
        year = self.octopus_journals["V1"]._year_for(self._booking(invoice).bookyear_id)
        self.assertEqual(year.last_document_nr, V1 + 2)

    def test_number_taken_by_our_own_lost_booking_is_adopted(self):
        self.sandbox.state.inject_fault("drop_after_commit", path="/buysellbookings")
        invoice = self._move()
        self._push()
        self.assertEqual(invoice.octopus_state, "uncertain")
        # As if the check had run before the lost request landed: Odoo believes nothing arrived.
        self._force(invoice, state="to_send", check_needed=False, document_nr=0, next_try=fields.Datetime.now())
        year = self.octopus_journals["V1"]._year_for(self._booking(invoice).bookyear_id)
        self.env.cr.execute("UPDATE octopus_journal_year SET last_document_nr = %s WHERE id = %s", [V1, year.id])
        year.invalidate_recordset()
        self._push()
        self.assertEqual(invoice.octopus_state, "sent")
        self.assertEqual(
            self._booking(invoice).document_nr, V1 + 1, "Octopus' illegal-number answer named our own booking"
        )
        self.assertEqual(len(self._bookings()), 1, "not booked a second time")

    def test_daily_limit_waits_until_tomorrow_without_spending_calls(self):
        self.env["octopus.call.counter"].sudo().create(
            {
                "connection_id": self.connection.id,
                "octopus_dossier_key": DEMO_DOSSIER_ID,
                "day": self.env["octopus.call.counter"]._today(),
                "operation": "POST /buysellbookings",
                "count": 400,
            }
        )
        first, second = self._move(), self._move()
        self._push()
        self.assertEqual((first.octopus_state, self._booking(first).waiting_reason), ("waiting", "limit"))
        self.assertEqual(second.octopus_state, "waiting")
        self.assertEqual(self._calls(POST_BOOKING), 0, "stopped before Octopus' limit")
        tomorrow = datetime.combine(fields.Date.today() + timedelta(days=1), time(0, 5))
        self.assertEqual(self._booking(first).next_try, tomorrow)

        with freeze_time(tomorrow + timedelta(minutes=1)):
            self._push()
        self.assertEqual((first.octopus_state, second.octopus_state), ("sent", "sent"))

    def test_a_paused_dossier_parks_its_whole_queue_in_one_run(self):
        """A backlog stopped by a daily limit is parked at once, not rewritten one move per cron step."""
        self.env["octopus.call.counter"].sudo().create(
            {
                "connection_id": self.connection.id,
                "octopus_dossier_key": DEMO_DOSSIER_ID,
                "day": self.env["octopus.call.counter"]._today(),
                "operation": "POST /buysellbookings",
                "count": 400,
            }
        )
        first, second, lost_reply = self._move(), self._move(), self._move()
        self._force(lost_reply, state="uncertain", check_needed=True)
        self._push(limit=1)

        tomorrow = datetime.combine(fields.Date.today() + timedelta(days=1), time(0, 5))
        self.assertEqual(
            [(m.octopus_state, self._booking(m).next_try) for m in (first, second)],
            [("waiting", tomorrow)] * 2,
            "a batch of one parked the whole queue",
        )
        self.assertIn("daily call limit", self._booking(second).message)
        self.assertEqual(
            (lost_reply.octopus_state, self._booking(lost_reply).check_needed, self._booking(lost_reply).next_try),
            ("uncertain", True, tomorrow),
            "a lost reply waits too, and is still checked first",
        )
        self.assertEqual(self._calls(POST_BOOKING), 0)

        with freeze_time(tomorrow + timedelta(minutes=1)):
            self._push()
        self.assertEqual({m.octopus_state for m in (first, second, lost_reply)}, {"sent"})
        self.assertEqual(len(self._bookings()), 3, "each booked once")

    def test_network_errors_back_off_then_fail(self):
        self.sandbox.state.inject_fault("drop", count=50, path="/relations")
        invoice = self._move()
        moment = fields.Datetime.now()
        waits = []
        for _round in range(6):
            with freeze_time(moment):
                self._push()
            if invoice.octopus_state != "waiting":
                break
            waits.append(round((self._booking(invoice).next_try - moment).total_seconds() / 60))
            moment = self._booking(invoice).next_try + timedelta(seconds=30)
        self.assertEqual(waits, [5, 15, 60, 180, 360], "each try waits longer")
        self.assertEqual(invoice.octopus_state, "failed")
        self.assertIn("cannot be reached", self._booking(invoice).message)
        self.assertEqual(len(invoice.octopus_attempt_ids), 6)

        self.sandbox.state.reset(seed=self.seed)
        self.connection._forget_tokens()
        invoice.action_octopus_retry()
        with freeze_time(moment):
            self._push()
        self.assertEqual(invoice.octopus_state, "sent")
