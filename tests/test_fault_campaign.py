"""The fault campaign of bench/ in small: 300 moves over two dossiers, two cron workers in parallel
for part of the run, about one Octopus call in five failing (lost replies, 5xx, locks, bookings
typed in Octopus, expired tokens, daily limits). Every move must end booked exactly once.

Workers need committed data, which a TransactionCase cannot give: the campaign builds its companies
and moves through its own cursors, commits, and removes them again at the end (as
test_push_concurrency.py does). The logic lives in campaign/, shared with bench/run faults.
"""

from odoo.modules.registry import Registry
from odoo.tests import tagged
from odoo.tests.common import BaseCase, get_db_name

from odoo.addons.account_octopus.campaign.campaign import MUST_BE_ZERO, Campaign, Config


@tagged("post_install", "-at_install")
class TestFaultCampaign(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        assert cls.registry.test_cr is None, "needs real cursors, not the test cursor"

    def test_nothing_lost_nothing_twice(self):
        config = Config(
            moves=300,
            dossiers=2,
            payment_dossiers=1,
            workers=2,
            customers=20,
            booking_limit=80,  # each dossier needs two days: limits reached, days roll over
            first_dossier_id=3101,
            seed=4711,
        )
        campaign = Campaign(self.registry, config)
        self.addCleanup(campaign.cleanup, remove=True)
        campaign.setup().run()
        check = campaign.check()
        figures = campaign.summary()
        problems = "\n".join(figures["problems"])

        self.assertEqual(check["moves"], 300)
        self.assertEqual(check.get("duplicates", 0), 0, problems)
        self.assertEqual(check.get("lost", 0), 0, problems)
        self.assertEqual(check["booked_exactly_once"], 300, problems)
        for key in MUST_BE_ZERO:
            self.assertEqual(check.get(key, 0), 0, f"{key}:\n{problems}")
        self.assertEqual(check.get("state_sent"), 300)
        self.assertFalse(figures["worker_errors"], campaign.worker_errors[:3])
        # The campaign really met trouble, and both workers pushed while the other one did.
        injected = figures["faults_injected"]
        self.assertGreater(figures["fault_share_of_calls"], 0.1, injected)
        for kind in ("5xx", "drop_after_commit", "direct_booking", "token_expiry"):
            self.assertTrue(injected.get(kind), f"no {kind} fault in {injected}")
        self.assertGreater(figures["simulated_days"], 0, "the daily limits were reached")
        self.assertGreater(check.get("attempts_adopted", 0), 0, "lost replies were found in Octopus")
        self.assertTrue(
            all(figures["worker_outcomes"].get(name, {}).get("sent") for name in ("worker-1", "worker-2")),
            figures["worker_outcomes"],
        )
