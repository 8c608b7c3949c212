from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import DEMO_DOSSIER_ID
from .push_common import SEED_LAST, PushCommon

BUYSELL_MODIFIED = "GET /dossiers/{dossierId}/buysellbookings/modified"
BOOKINGS_MODIFIED = "GET /dossiers/{dossierId}/bookyears/{bookyearId}/bookings/modified"


@tagged("post_install", "-at_install")
class TestDifferences(PushCommon):
    """The accountant signs off on a period only when the report shows what Octopus does not hold as Odoo sent it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bookyear = cls.dossier.bookyear_ids.filtered(lambda b: b.octopus_key == 2)

    def _sent(self, count=3):
        moves = [self._move(lines=[(100.0 * (i + 1), self.tax_sale_21)]) for i in range(count)]
        self._push()
        self.assertEqual({m.octopus_state for m in moves}, {"sent"})
        return moves

    def _report(self):
        self.dossier._check_differences(self.bookyear)
        return self.env["octopus.difference"].search(
            [("dossier_id", "=", self.dossier.id), ("bookyear_id", "=", self.bookyear.id)]
        )

    def _line(self, lines, move):
        return lines.filtered(lambda line: line.move_id == move)

    def test_fingerprint_kept_when_sent(self):
        [move] = self._sent(1)
        fingerprint = self._booking(move).sent_fingerprint
        self.assertEqual(
            (fingerprint["total"], fingerprint["vat"], fingerprint["relation"], fingerprint["date"]),
            (12100, 2100, 1, "2026-03-05"),
        )
        self.assertEqual(fingerprint["lines"], [["700000", "21", 10000, 2100]])
        self.assertEqual(fingerprint["partner"], self.customer.id)

    def test_all_the_same(self):
        moves = self._sent(3)
        lines = self._report()
        self.assertEqual(set(lines.mapped("category")), {"ok"})
        self.assertEqual(len(lines), 3)
        self.assertEqual(self._calls(BUYSELL_MODIFIED) + self._calls(BOOKINGS_MODIFIED), 2, "two calls a run")
        self.assertEqual(self.dossier.difference_count, 0)
        self.assertRegex(self.dossier.difference_summary, r"^2026: 3 sent, 3 in Octopus, 0 differences, checked ")
        self.assertEqual(self._line(lines, moves[1]).octopus_total, 242.0)

    def test_deleted_and_changed_in_octopus(self):
        """The done-when: one booking deleted and one changed in Octopus are both found."""
        deleted, changed, same = self._sent(3)
        first = SEED_LAST["V1"] + 1
        self.sandbox.state.delete_booking(DEMO_DOSSIER_ID, 2, "V1", first)
        self.sandbox.state.change_booking(DEMO_DOSSIER_ID, 2, "V1", first + 1)
        lines = self._report()
        self.assertEqual(
            (self._line(lines, deleted).category, self._line(lines, deleted).detail), ("missing", "deleted in Octopus")
        )
        self.assertEqual(
            (self._line(lines, changed).category, self._line(lines, changed).detail), ("different", "total, lines")
        )
        self.assertEqual(self._line(lines, changed).octopus_total - self._line(lines, changed).odoo_total, 10.0)
        self.assertEqual(self._line(lines, same).category, "ok")
        self.assertEqual(self.dossier.difference_count, 2)
        self.assertRegex(self.dossier.difference_summary, r"^2026: 3 sent, 2 in Octopus, 2 differences")

    def test_other_relation_and_date_in_octopus(self):
        [move] = self._sent(1)
        self.sandbox.state.change_booking(
            DEMO_DOSSIER_ID, 2, "V1", SEED_LAST["V1"] + 1, changes={"documentDate": "2026-03-07"}
        )
        line = self._line(self._report(), move)
        self.assertEqual((line.category, line.detail), ("different", "date"))

    def test_someone_elses_booking_under_our_number(self):
        [move] = self._sent(1)
        nr = SEED_LAST["V1"] + 1
        self.sandbox.state.change_booking(DEMO_DOSSIER_ID, 2, "V1", nr, changes={"reference": "TYPED-42"})
        lines = self._report()
        line = self._line(lines, move)
        self.assertEqual(line.category, "missing")
        self.assertIn("TYPED-42", line.detail)
        self.assertEqual(lines.filtered(lambda line: line.category == "only_octopus").reference, "TYPED-42")

    def test_changed_in_odoo_after_sending(self):
        move, _other = self._sent(2)
        move.with_context(octopus_force_reset=True).button_draft()
        move.invoice_line_ids[0].price_unit = 150.0
        move.action_post()
        lines = self._report()
        line = self._line(lines, move)
        self.assertEqual(line.category, "changed")
        self.assertIn("total", line.detail)
        self.assertEqual((line.odoo_total, line.octopus_total), (121.0, 121.0), "Octopus still holds what was sent")

    def test_only_in_octopus_and_totals(self):
        self._sent(2)
        self.sandbox.state.book_directly(DEMO_DOSSIER_ID, 2, "V1")
        lines = self._report()
        only = lines.filtered(lambda line: line.category == "only_octopus")
        self.assertEqual(len(only), 1)
        self.assertFalse(only.move_id)
        self.assertEqual(self.dossier.difference_count, 0, "shown for information, not a difference")
        [group] = self.env["octopus.difference"].read_group(
            [("id", "in", lines.ids)],
            [
                "odoo_count:sum",
                "octopus_count:sum",
                "odoo_total:sum",
                "octopus_total:sum",
                "odoo_vat:sum",
                "octopus_vat:sum",
            ],
            ["journal_key"],
        )
        self.assertEqual((group["journal_key"], group["odoo_count"], group["octopus_count"]), ("V1", 2, 3))
        self.assertEqual((group["odoo_total"], group["odoo_vat"]), (363.0, 63.0))
        self.assertEqual(group["octopus_total"] - group["odoo_total"], only.octopus_total)

    def test_explained_note_survives_the_next_run(self):
        [move] = self._sent(1)
        self.sandbox.state.change_booking(DEMO_DOSSIER_ID, 2, "V1", SEED_LAST["V1"] + 1)
        line = self._line(self._report(), move)
        with self.assertRaises(UserError):
            line.action_mark_explained()
        line.note = "Corrected by the accountant"
        line.action_mark_explained()
        self.assertEqual(self.dossier.difference_count, 1, "counted until the next check")
        line = self._line(self._report(), move)
        self.assertEqual((line.explained, line.note), (True, "Corrected by the accountant"))
        self.assertEqual(self.dossier.difference_count, 0)

    def test_send_again_takes_a_new_number(self):
        [move] = self._sent(1)
        first = SEED_LAST["V1"] + 1
        self.sandbox.state.delete_booking(DEMO_DOSSIER_ID, 2, "V1", first)
        line = self._line(self._report(), move)
        line.action_send_again()
        self.assertEqual(move.octopus_state, "to_send", "queued: the push sends, not the button")
        self._push()
        self.assertEqual(move.octopus_number, f"2026/V1/{first + 1}")
        self.assertEqual(self._line(self._report(), move).category, "ok")

    def test_daily_limit_stops_the_run_before_calling(self):
        self._sent(1)
        counter = self.env["octopus.call.counter"]
        allowed = counter._allowed("GET /bookings/modified")
        for _i in range(allowed):
            counter._count_call(self.connection.id, "GET /bookings/modified", self.dossier.octopus_key)
        with self.assertRaisesRegex(UserError, "daily call limit"):
            self.dossier._check_differences(self.bookyear)
        self.assertEqual(self._calls(BUYSELL_MODIFIED), 0)

    def test_weekly_check_posts_a_note(self):
        self._sent(1)
        self.dossier.difference_weekly = True
        self.assertEqual(self.dossier._difference_bookyear(), self.bookyear, "the bookyear of today (2026)")
        self.env["octopus.dossier"]._cron_check_differences()
        self.assertFalse(self._notes(), "no note while both agree")
        self.sandbox.state.delete_booking(DEMO_DOSSIER_ID, 2, "V1", SEED_LAST["V1"] + 1)
        self.env["octopus.dossier"]._cron_check_differences()
        self.assertEqual(self.dossier.difference_count, 1)
        self.assertEqual(len(self._notes()), 1)

    def _notes(self):
        return self.dossier.message_ids.filtered(lambda m: "Octopus and Odoo differ" in (m.body or ""))
