from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from .push_common import PushCommon

GET_COST_CENTRES = "GET /dossiers/{dossierId}/costcentres"
PUT_COST_CENTRES = "PUT /dossiers/{dossierId}/costcentres"
POST_BOOKING = "POST /dossiers/{dossierId}/buysellbookings"


@tagged("post_install", "-at_install")
class TestPushCostCentres(PushCommon):
    """Analytic distribution booked as Octopus cost centres (issue 17). Demo dossier 1001 has cost
    centres 1 Algemeen, 2 Verkoop, 3 Marketing and 4 Project Noord (closed); account 613000 demands a
    cost centre, 612000 too with default 1, 600000 takes one optionally."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan = cls.env["account.analytic.plan"].create({"name": "Kostenplaatsen"})
        analytic = cls.env["account.analytic.account"]

        def account(name, **vals):
            return analytic.create({"name": name, "plan_id": cls.plan.id, "company_id": cls.company.id, **vals})

        cls.general = account("Algemeen")  # by name
        cls.sales = account("Verkoopafdeling", code="2")  # by code
        cls.marketing = account("Campagnes", octopus_cost_centre_key=3)  # set by hand
        cls.new = account("Project Zuid")  # not in Octopus
        cls.company.octopus_cost_centre_plan_id = cls.plan
        cls.dossier._synchronise()  # reads the cost centres now that the company books them
        accounts = cls.env["account.account"].with_company(cls.company)
        cls.fees = accounts.create({"name": "Erelonen", "code": "613000", "account_type": "expense"})
        cls.energy = accounts.create({"name": "Energie", "code": "612000", "account_type": "expense"})

    def _bill(self, price, distribution=None, account=None):
        line = {
            "name": "Diensten",
            "quantity": 1,
            "price_unit": price,
            "tax_ids": [Command.set(self.tax_purchase_21.ids)],
        }
        if distribution:
            line["analytic_distribution"] = {str(a.id): pct for a, pct in distribution}
        if account:
            line["account_id"] = account.id
        bill = (
            self.env["account.move"]
            .with_company(self.company)
            .create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self.supplier.id,
                    "journal_id": self.purchase_journal.id,
                    "invoice_date": "2026-03-05",
                    "invoice_line_ids": [Command.create(line)],
                }
            )
        )
        bill.action_post()
        return bill

    def _lines(self):
        """(cost centre, base, VAT) of the last booking Octopus received, as it stored them."""
        stored = self._bookings("A1")[-1]["stored"]
        return [
            ((line.get("costCentreKey") or {}).get("id"), line["baseAmount"], line["vatAmount"])
            for line in stored["bookingLines"]
        ]

    # -- the split ---------------------------------------------------------------------------------

    def test_line_is_split_by_percentages_with_the_rounding_on_the_largest_part(self):
        bill = self._bill(100.01, [(self.general, 33.33), (self.sales, 33.33), (self.marketing, 33.34)])
        self._push()

        self.assertEqual(bill.octopus_state, "sent", self._booking(bill).message)
        lines = self._lines()
        # 33.33 + 33.33 + 33.34 = 100.00: the cent left over goes to the largest part, Marketing's
        self.assertEqual([(cc, base) for cc, base, _vat in lines], [(1, 33.33), (2, 33.33), (3, 33.35)])
        self.assertAlmostEqual(sum(base for _cc, base, _vat in lines), 100.01)
        self.assertAlmostEqual(sum(vat for _cc, _base, vat in lines), bill.amount_tax)
        self.assertAlmostEqual(self._bookings("A1")[-1]["stored"]["amount"], bill.amount_total)

    def test_part_without_distribution_is_booked_without_cost_centre(self):
        bill = self._bill(200.0, [(self.sales, 60)])
        self._push()

        self.assertEqual(bill.octopus_state, "sent", self._booking(bill).message)
        self.assertEqual([(cc, base) for cc, base, _vat in self._lines()], [(2, 120.0), (None, 80.0)])

    def test_without_a_plan_no_cost_centre_is_sent(self):
        self.company.octopus_cost_centre_plan_id = False
        self._bill(100.0, [(self.sales, 100)])
        self._push()

        self.assertEqual(self._lines(), [(None, 100.0, 21.0)])

    # -- mapping -----------------------------------------------------------------------------------

    def test_analytic_accounts_find_their_cost_centre_by_id_code_or_name(self):
        found = {
            a: a._octopus_cost_centre(self.dossier).key for a in (self.general, self.sales, self.marketing, self.new)
        }
        self.assertEqual(found, {self.general: 1, self.sales: 2, self.marketing: 3, self.new: 0})
        self.assertEqual(self.sales.with_company(self.company).octopus_cost_centre_resolved, "2 Verkoop")

    def test_mapping_check_lists_missing_closed_and_unknown_cost_centres(self):
        self.general.octopus_cost_centre_key = 4  # Project Noord, closed
        self.sales.octopus_cost_centre_key = 99
        problems = "\n".join(self.dossier._mapping_problems())

        self.assertIn("Analytic account Project Zuid has no Octopus cost centre", problems)
        self.assertIn("4 Project Noord, which is closed in Octopus", problems)
        self.assertIn("books on Octopus cost centre 99, which dossier", problems)
        self.company.octopus_cost_centre_create = True
        self.assertNotIn("Project Zuid", "\n".join(self.dossier._mapping_problems()), "created when first used")

    # -- creation ----------------------------------------------------------------------------------

    def test_missing_cost_centre_is_created_in_octopus_when_allowed(self):
        self.company.octopus_cost_centre_create = True
        bill = self._bill(100.0, [(self.new, 100)])
        self._push()

        self.assertEqual(bill.octopus_state, "sent", self._booking(bill).message)
        created = self.sandbox.state.dossiers[self.dossier.octopus_key].cost_centres[5]
        self.assertEqual(created["description"]["description_NL"], "Project Zuid")
        self.assertEqual(self._lines(), [(5, 100.0, 21.0)])
        self.assertEqual(self.new.with_company(self.company).octopus_cost_centre_key, 5)
        self._bill(50.0, [(self.new, 100)])
        self._push()
        self.assertEqual(self._calls(PUT_COST_CENTRES), 1, "created once, then used")
        self.assertEqual(self._calls(GET_COST_CENTRES), 0, "the copy read by the synchronisation is fresh")

    def test_missing_cost_centre_is_refused_before_sending_when_creation_is_not_allowed(self):
        bill = self._bill(100.0, [(self.new, 100)])
        self._push()

        self.assertEqual(bill.octopus_state, "failed")
        self.assertIn("Analytic account Project Zuid has no Octopus cost centre", self._booking(bill).message)
        self.assertEqual((self._calls(PUT_COST_CENTRES), self._calls(POST_BOOKING)), (0, 0))

    def test_a_cost_centre_typed_in_octopus_meanwhile_is_found_not_created_twice(self):
        self.company.octopus_cost_centre_create = True
        centres = self.sandbox.state.dossiers[self.dossier.octopus_key].cost_centres
        centres[7] = {"closed": False, "costCentreKey": {"id": 7}, "description": {"description_NL": "Project Zuid"}}
        self.dossier.cost_centres_read_at = fields.Datetime.now() - timedelta(hours=2)
        bill = self._bill(100.0, [(self.new, 100)])
        self._push()

        self.assertEqual(bill.octopus_state, "sent", self._booking(bill).message)
        self.assertEqual(self._lines(), [(7, 100.0, 21.0)])
        self.assertEqual((self._calls(GET_COST_CENTRES), self._calls(PUT_COST_CENTRES)), (1, 0))

    # -- accounts that demand a cost centre ----------------------------------------------------------

    def test_line_on_an_account_demanding_a_cost_centre_is_refused_before_sending(self):
        bill = self._bill(100.0, account=self.fees)
        self._push()

        self.assertEqual(bill.octopus_state, "failed")
        message = self._booking(bill).message
        self.assertIn("line Diensten books on Octopus account 613000", message)
        self.assertIn("demands a cost centre: give it an analytic distribution of 100% on plan Kostenplaatsen", message)
        self.assertEqual(self._calls(POST_BOOKING), 0)

    def test_demanding_account_takes_the_line_cost_centre_or_its_own_default(self):
        with_distribution = self._bill(100.0, [(self.sales, 100)], account=self.fees)
        with_default = self._bill(40.0, account=self.energy)
        self._push()

        self.assertEqual((with_distribution.octopus_state, with_default.octopus_state), ("sent", "sent"))
        stored = [b["stored"]["bookingLines"][0] for b in self._bookings("A1")]
        self.assertEqual([line["costCentreKey"]["id"] for line in stored], [2, 1])

    # -- Octopus' refusals ---------------------------------------------------------------------------

    def test_unknown_cost_centre_gets_a_clear_message_and_the_list_is_read_again(self):
        del self.sandbox.state.dossiers[self.dossier.octopus_key].cost_centres[2]  # deleted in Octopus
        bill = self._bill(100.0, [(self.sales, 100)])
        self._push()

        self.assertEqual(bill.octopus_state, "failed")
        self.assertIn("A line has no cost centre Octopus knows", self._booking(bill).message)
        self.assertFalse(self.dossier.cost_centres_read_at, "Retry reads the cost centres again")

    def test_closed_cost_centre_gets_a_clear_message(self):
        self.sandbox.state.dossiers[self.dossier.octopus_key].cost_centres[3]["closed"] = True
        bill = self._bill(100.0, [(self.marketing, 100)])
        self._push()

        self.assertEqual(bill.octopus_state, "failed")
        self.assertIn("A cost centre of this booking is closed in Octopus", self._booking(bill).message)

    # -- the daily limit -----------------------------------------------------------------------------

    def test_cost_centres_are_read_at_most_twice_a_day(self):
        self.dossier._synchronise()
        self.dossier._synchronise()
        _message, warnings = self.dossier._synchronise()

        self.assertIn("The cost centres were not read again: Octopus allows it twice a day", " ".join(warnings))
        self.company.octopus_cost_centre_create = True
        self.dossier.cost_centres_read_at = fields.Datetime.now() - timedelta(hours=2)
        self._bill(100.0, [(self.new, 100)])
        self._push()
        self.assertEqual(self._calls(GET_COST_CENTRES), 2, "the push does not read a third time")
