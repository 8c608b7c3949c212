"""Moves that cannot be pushed (their company's connection is deactivated, e.g. paused by an
administrator) must not fill the cron's batches: the other companies' moves still go out.

Found by the benchmarks (bench/README.md): 220 queued moves of a company whose connection was
archived took every batch of 50, oldest first, so the moves of another company were never sent
and the cron re-triggered itself without end.
"""

from odoo.tests import tagged

from .push_common import PushCommon


@tagged("post_install", "-at_install")
class TestCronFairness(PushCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._link_other_company()

    def test_paused_company_does_not_starve_the_others(self):
        paused = self._other_invoices(count=3, invoice_date="2026-03-01")  # older: first in the cron's order
        self.assertEqual(set(paused.mapped("octopus_state")), {"to_send"})
        self.other_connection.active = False

        invoice = self._move()  # the demo company, dossier 1001, dated 2026-03-05
        self._push(limit=2)

        self.assertEqual(invoice.octopus_state, "sent", "the paused company's moves took the whole batch")
        self.assertEqual(set(paused.mapped("octopus_state")), {"to_send"}, "kept in the queue, not sent")
        self.assertFalse(
            self.env["octopus.booking"].search_count(
                [*self.env["octopus.booking"]._due_domain(), ("move_id", "in", paused.ids)]
            ),
            "not due while their connection is inactive, so the cron does not re-trigger itself for them",
        )
