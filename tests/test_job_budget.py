"""Issue 19: the addon's scheduled jobs over dossiers (payment reads, the weekly difference check)
follow the push's rule. A run stops taking dossiers once its time budget is used, tells Odoo's
runner it is complete (no second lap against the same limit) and triggers a fresh run, which goes
on with the dossiers not done yet in this cycle and does not take the others again."""

from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.account_octopus.models.octopus_push_run import Budget
from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from .common import FakeClock, limits
from .push_common import PushCommon

PAYMENTS = "account_octopus.ir_cron_octopus_payments"
DIFFERENCES = "account_octopus.ir_cron_octopus_differences"


@tagged("post_install", "-at_install")
class TestDossierJobsBudget(PushCommon, CronMixinCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._link_other_company()
        cls.dossiers = cls.dossier | cls.other.octopus_dossier_id

    def _scheduled_run(self, xmlid, method):
        """One scheduled run of the job as Odoo's runner starts it, each dossier taking 60 s of the
        49 s budget (120 s × 0.7 − 35 s): one dossier a run. Returns (progress, triggers)."""
        cron = self.env.ref(xmlid)
        progress = self.env["ir.cron.progress"].sudo().create({"cron_id": cron.id})
        dossiers = self.env["octopus.dossier"].with_context(cron_id=cron.id, ir_cron_progress_id=progress.id)
        with (
            limits(),
            patch.object(Budget, "clock", staticmethod(FakeClock(60))),
            self.capture_triggers(xmlid) as triggers,
        ):
            getattr(dossiers, method)()
        self.env.invalidate_all()
        return progress, triggers.records

    def test_payment_read_stops_at_its_budget_and_a_fresh_run_goes_on(self):
        self._move()
        self._other_invoices()
        self._push()  # both dossiers have sent something: each read asks Octopus

        progress, triggers = self._scheduled_run(PAYMENTS, "_cron_read_payments")
        read = self.dossiers.filtered("balancings_read_at")
        self.assertEqual(len(read), 1, "the budget allows one read")
        self.assertEqual(
            (progress.done, progress.remaining), (1, 0), "no second lap in the same cycle: it would count against it"
        )
        self.assertTrue(triggers, "a fresh run is triggered for the other dossier")
        read_at = read.balancings_read_at

        progress, triggers = self._scheduled_run(PAYMENTS, "_cron_read_payments")
        self.assertTrue(all(self.dossiers.mapped("balancings_read_at")), "the fresh run read the other dossier")
        self.assertEqual(read.balancings_read_at, read_at, "and not the one read in this cycle again")
        self.assertEqual(progress.done, 1)
        self.assertFalse(triggers, "nothing left: no fresh run")

    def test_weekly_difference_check_stops_at_its_budget_and_a_fresh_run_goes_on(self):
        self.dossiers.write({"difference_weekly": True})

        progress, triggers = self._scheduled_run(DIFFERENCES, "_cron_check_differences")
        checked = self.dossiers.filtered("difference_checked_at")
        self.assertEqual(len(checked), 1, "the budget allows one check")
        self.assertEqual((progress.done, progress.remaining), (1, 0))
        self.assertTrue(triggers, "a fresh run is triggered for the other dossier")
        checked_at = checked.difference_checked_at

        progress, triggers = self._scheduled_run(DIFFERENCES, "_cron_check_differences")
        self.assertTrue(all(self.dossiers.mapped("difference_checked_at")), "the fresh run checked the other dossier")
        self.assertEqual(checked.difference_checked_at, checked_at, "and not the one checked in this cycle again")
        self.assertFalse(triggers, "nothing left: no fresh run")

        # next week's run checks both again
        self.dossiers.write({"difference_checked_at": self._later(days=-7)})
        progress, _triggers = self._scheduled_run(DIFFERENCES, "_cron_check_differences")
        self.assertEqual(progress.done, 1, "one within the budget, the other in a fresh run")
