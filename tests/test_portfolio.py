from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import DEMO_DOSSIER_ID
from .push_common import PushCommon


@tagged("post_install", "-at_install")
class TestPortfolio(PushCommon):
    """The syndic's morning screen: one row per linked company, with what needs attention."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.zonneveld = cls.setup_other_company(name="VME Residentie Zonneveld", vat="BE0403019261")["company"]
        cls.zonneveld.action_octopus_link_dossier()

    def _portfolio(self):
        """The rows the menu shows: it opens the portfolio with every company of the user ticked."""
        action = self.env["octopus.dossier"].with_context(allowed_company_ids=[self.company.id]).action_open_portfolio()
        cids = [int(cid) for cid in action["url"].split("cids=")[1].split("-")]
        self.assertEqual(cids[0], self.company.id, "the current company stays the current one")
        return self.env["octopus.dossier"].with_context(allowed_company_ids=cids).search([])

    def test_counts_per_company(self):
        unmapped = self.sale_journal.copy(
            {
                "name": "Other sales",
                "code": "OSAL",
                "octopus_journal_id": False,
                "default_account_id": self.sale_journal.default_account_id.id,
            }
        )
        self._move(journal=unmapped)
        self._push()  # failed: the journal has no Octopus journal
        self.sandbox.state.inject_fault("5xx", path="/buysellbookings")
        self._move()
        self._push()  # uncertain: the reply was lost
        self.sandbox.state.lock(DEMO_DOSSIER_ID)
        self._move(), self._move(), self._move()
        self._push()  # waiting: the journal is open in Octopus
        self._move(), self._move()  # to send: posted since

        rows = self._portfolio()

        self.assertEqual(
            rows.company_id,
            self.company | self.zonneveld,
            "both companies, though only Demo BV is active in the company switcher",
        )
        demo = rows.filtered(lambda row: row.company_id == self.company)
        zonneveld = rows - demo
        self.assertEqual(
            (demo.count_to_send, demo.count_waiting, demo.count_uncertain, demo.count_failed), (2, 3, 1, 1)
        )
        self.assertEqual(
            (zonneveld.count_to_send, zonneveld.count_waiting, zonneveld.count_uncertain, zonneveld.count_failed),
            (0, 0, 0, 0),
        )
        self.assertIn("Journal open in Octopus", demo.lock_notice)
        self.assertFalse(zonneveld.lock_notice)
        self.assertIn("POST /buysellbookings", demo.calls_today)
        self.assertIn("/400", demo.calls_today)
        self.assertFalse(zonneveld.calls_today)
        self.assertFalse(zonneveld.last_sync_date)

        moves = self.env["account.move"].search(demo.action_open_octopus_moves()["domain"])
        self.assertEqual(len(moves), 7, "the row opens the invoices it counts")

        # the filters of the screen
        self.assertEqual(rows.search([("id", "in", rows.ids), ("count_failed", ">", 0)]), demo)
        self.assertEqual(rows.search([("id", "in", rows.ids), ("count_failed", "=", 0)]), zonneveld)
        self.assertEqual(rows.search([("id", "in", rows.ids), ("lock_notice", "!=", False)]), demo)
        self.assertEqual(rows.search([("id", "in", rows.ids), ("last_sync_date", "=", False)]), zonneveld)

    def test_near_a_daily_limit(self):
        for _call in range(2):
            self.env["octopus.call.counter"]._count_call(self.connection.id, "GET /accounts", DEMO_DOSSIER_ID)
        rows = self._portfolio()
        demo = rows.filtered(lambda row: row.company_id == self.company)
        self.assertEqual(demo.calls_peak, 100)
        self.assertIn("GET /accounts 2/2", demo.calls_today)
        self.assertEqual(rows.search([("id", "in", rows.ids), ("calls_peak", ">=", 80)]), demo)

    def test_an_invoicing_user_sees_the_companies_they_work_in(self):
        clerk = self.env["res.users"].create(
            {
                "name": "Zonneveld clerk",
                "login": "zonneveld_clerk",
                "company_id": self.zonneveld.id,
                "company_ids": [(6, 0, self.zonneveld.ids)],
                "groups_id": [(6, 0, [self.env.ref("account.group_account_invoice").id])],
            }
        )
        self._move()
        self.zonneveld.octopus_dossier_id.action_sync_bookyears()
        action = self.env["octopus.dossier"].with_user(clerk).action_open_portfolio()
        self.assertTrue(action["url"].endswith(f"cids={self.zonneveld.id}"))
        rows = (
            self.env["octopus.dossier"].with_user(clerk).with_context(allowed_company_ids=self.zonneveld.ids).search([])
        )
        self.assertEqual(rows.company_id, self.zonneveld, "Demo BV's invoices are none of the clerk's business")
        self.assertEqual(rows.count_to_send, 0)
        self.assertTrue(rows.calls_today, "today's calls are shown without the manager's rights")
        with self.assertRaises(AccessError):
            self.connection.with_user(clerk).action_link_companies()
