"""Issue 19: a push run stays inside Odoo's time limits whatever the backlog, and the job's "Run
manually" says so clearly when the job is already running."""

from unittest.mock import patch

from odoo import sql_db
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.account_octopus.models import octopus_push_run
from odoo.addons.account_octopus.models.octopus_push_run import Budget
from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from .common import FakeClock, limits
from .push_common import PushCommon

CRON = "account_octopus.ir_cron_octopus_push"


@tagged("post_install", "-at_install")
class TestPushBudget(PushCommon, CronMixinCase):
    def test_effective_limit_follows_odoos_configuration(self):
        with limits():
            self.assertEqual(octopus_push_run.effective_limits(), (120, None), "threaded: the real limit only")
        with limits(limit_time_real_cron=300):
            self.assertEqual(octopus_push_run.effective_limits(), (300, None), "the cron's own limit first")
        with limits(workers=2):
            self.assertEqual(
                octopus_push_run.effective_limits(),
                (120 - 69, 60),
                "multi-process: less the cron worker's idle sleep (60 s + pid % 10) the watchdog counts, "
                "and the CPU limit too",
            )
        with limits(limit_time_real=0, limit_time_real_cron=0):
            self.assertEqual(
                octopus_push_run.effective_limits()[0],
                octopus_push_run.UNLIMITED_FALLBACK,
                "no limit: cycles stay as short as with Odoo's default",
            )

    def test_budget_leaves_room_for_the_slowest_booking(self):
        with limits():
            budget = Budget()
        self.assertEqual(budget.real, 120 * octopus_push_run.BUDGET_SHARE - octopus_push_run.SLOWEST_BOOKING)
        self.assertLess(budget.real + octopus_push_run.SLOWEST_BOOKING, 120, "the last booking ends in time")
        self.assertLess(octopus_push_run.SLOWEST_BOOKING, budget.real, "a single booking is well under the budget")

    def test_run_stops_at_its_budget_and_triggers_a_fresh_run(self):
        moves = [self._move() for _index in range(3)]
        progress = self.env["ir.cron.progress"].sudo().create({"cron_id": self.env.ref(CRON).id})
        # every booking takes 30 s of the 49 s budget (120 s × 0.7 − 35 s): two go, the third waits
        with (
            limits(),
            patch.object(Budget, "clock", staticmethod(FakeClock(30))),
            self.capture_triggers(CRON) as triggers,
        ):
            self._push(ir_cron_progress_id=progress.id)
        self.assertEqual([m.octopus_state for m in moves], ["sent", "sent", "to_send"])
        self.assertEqual(
            (progress.done, progress.remaining),
            (2, 0),
            "no second lap in the same cron cycle: it would count against the same limit",
        )
        self.assertTrue(triggers.records, "a fresh run is triggered for the rest")

    def test_cpu_budget_in_multi_process_mode(self):
        moves = [self._move() for _index in range(3)]
        # 60 s CPU × 0.7 − 5 s for a PDF = 37 s; each booking burns 20 s of CPU: two go
        with (
            limits(workers=2),
            patch.object(Budget, "clock", staticmethod(FakeClock(0))),
            patch.object(Budget, "cpu_clock", staticmethod(FakeClock(20))),
        ):
            self._push()
        self.assertEqual([m.octopus_state for m in moves], ["sent", "sent", "to_send"])

    def test_send_to_octopus_now_while_the_job_runs(self):
        invoice = self._move()
        # Odoo's runner holds the job's row while it runs: so does this other connection.
        with sql_db.db_connect(self.env.cr.dbname).cursor() as runner:
            runner.execute("SELECT id FROM ir_cron WHERE id = %s FOR NO KEY UPDATE", [self.env.ref(CRON).id])
            with self.assertRaisesRegex(UserError, "already in progress"):
                self.env["octopus.booking"].action_push_now()
            runner.rollback()
        self.assertEqual(invoice.octopus_state, "to_send", "left to the running job")

    def test_send_to_octopus_now_runs_the_job(self):
        invoice = self._move()
        self.env["octopus.booking"].action_push_now()
        self.assertEqual(invoice.octopus_state, "sent")
