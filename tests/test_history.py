from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tests.common import freeze_time
from odoo.tools import SQL

from .push_common import SEED_LAST, PushCommon


@tagged("post_install", "-at_install")
class TestHistory(PushCommon):
    """A company linked after months of invoicing sends those invoices too: once each, after the new ones."""

    def _earlier(self, count, invoice_date="2026-02-10"):
        """Moves posted before the link: posted, then without any Octopus booking."""
        moves = self.env["account.move"]
        for i in range(count):
            moves |= self._move(lines=[(10.0 * (i + 1), self.tax_sale_21)], invoice_date=invoice_date)
        moves.octopus_booking_ids.sudo().unlink()
        return moves

    def _wizard(self, **values):
        return self.env["octopus.history.wizard"].create(
            {"dossier_id": self.dossier.id, "date_from": "2026-01-01", **values}
        )

    def _references(self):
        return [b["booking"]["reference"] for b in self._bookings("V1")]

    def test_count_days_and_finish_date(self):
        self._earlier(7)
        wizard = self._wizard(reserve=397)
        self.assertEqual((wizard.move_count, wizard.per_day, wizard.days_needed), (7, 3, 3))
        self.assertEqual(wizard.finish_date, fields.Date.context_today(wizard) + timedelta(days=2))
        wizard.include_out_invoice = False
        self.assertEqual(wizard.move_count, 0, "only the chosen move types")

    def test_protected_period_is_left_out_with_its_reason(self):
        kept = self._earlier(2)
        refused = self._earlier(1, invoice_date="2026-01-20")
        year = self.octopus_journals["V1"]._year_for(
            self.dossier._period_for_date(fields.Date.to_date("2026-01-20")).bookyear_id
        )
        year.protected_period = 202601
        wizard = self._wizard()
        self.assertEqual((wizard.move_count, wizard.blocked_count), (2, 1))
        self.assertIn(refused.name, wizard.blocked_report)
        self.assertIn("protected", wizard.blocked_report)
        wizard.action_queue()
        self.assertEqual(kept.mapped("octopus_state"), ["to_send", "to_send"])
        self.assertFalse(refused.octopus_state, "not queued")

    def test_already_in_octopus_is_adopted_not_sent_twice(self):
        booked = self._move()
        self._push()
        number = booked.octopus_number
        booked.octopus_booking_ids.sudo().unlink()  # as if booked before the link
        fresh = self._earlier(1)
        posts = self._calls("POST /dossiers/{dossierId}/buysellbookings")
        self._wizard().action_queue()
        self.assertEqual((booked.octopus_state, booked.octopus_number), ("sent", number))
        self.assertIn("adopted", self._booking(booked).message)
        self._push()
        self.assertEqual(fresh.octopus_state, "sent")
        self.assertEqual(self._calls("POST /dossiers/{dossierId}/buysellbookings"), posts + 1, "only the new one")
        self.assertEqual(sorted(self._references()), sorted([booked.name, fresh.name]))

    def test_backlog_over_three_days_new_invoices_first(self):
        """Per day 400 minus the reserve: here 3 earlier invoices a day, so 8 take three days, while the
        day's new invoice uses the reserve and is booked before that day's earlier ones."""
        backlog = self._earlier(8)
        self._wizard(reserve=397).action_queue()
        self.assertIn("0 of 8 sent", self.dossier.history_progress)
        order = []
        for day in range(3):
            with freeze_time(fields.Datetime.now() + timedelta(days=day, minutes=1)):
                new = self._move(lines=[(1000.0 + day, self.tax_sale_21)])
                self._push()
                stored = self._references()
                order.append(stored[len(sum(order, [])) :])
                self.assertEqual(order[day][0], new.name, "the day's new invoice first")
                self.assertEqual(new.octopus_state, "sent")
        self.assertEqual([len(day) for day in order], [4, 4, 3])
        self.assertEqual(set(backlog.mapped("octopus_state")), {"sent"})
        references = self._references()
        self.assertEqual(len(references), len(set(references)), "no duplicates")
        self.assertEqual(len(references), 11)
        self.assertEqual(self._bookings("V1")[-1]["documentSequenceNr"], SEED_LAST["V1"] + 11)
        self.dossier.invalidate_recordset(["history_progress"])
        self.assertIn("8 of 8 sent", self.dossier.history_progress)

    def test_next_due_booking_is_read_off_the_queue_index(self):
        """Taking the next booking walks octopus_booking_due_queue_index in the push's order and stops
        at the first entry, whatever the outbox holds: no scan and sort of every row per booking."""
        self._earlier(2)
        self._wizard().action_queue()
        self._move(lines=[(100.0, self.tax_sale_21)])
        bookings = self.env["octopus.booking"].sudo()  # as the push reads it
        query = bookings._queue_query(bookings._due_domain(), limit=1)
        self.env.flush_all()
        # A test database is too small for the planner to need an index: make it choose one that
        # gives the order by itself, or pay a sort it cannot avoid.
        self.env.cr.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off")
        self.env.cr.execute(SQL("EXPLAIN %s", query))
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("octopus_booking_due_queue_index", plan)
        self.assertNotIn("Sort", plan, "the index's order is the push's order")
