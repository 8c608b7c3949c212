from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.account_octopus.octopus import errors

from .common import DEMO_DOSSIER_ID, OctopusCommon, demo_seed


@tagged("post_install", "-at_install")
class TestBookyears(OctopusCommon):
    """After linking, the accountant presses "Synchronise bookyears" (again and again)."""

    def setUp(self):
        super().setUp()
        self.connection.action_test_connection()
        self.company.action_octopus_link_dossier()
        self.dossier = self.company.octopus_dossier_id

    def _journal_year(self, key, bookyear_key=2):
        bookyear = self.dossier.bookyear_ids.filtered(lambda b: b.octopus_key == bookyear_key)
        return self.dossier.journal_ids.filtered(lambda j: j.key == key)._year_for(bookyear)

    def test_sync_creates_bookyears_periods_journals_accounts_and_vat_codes(self):
        kind, message = self._notification(self.dossier.action_sync_bookyears())

        self.assertEqual(kind, "success", message)
        years = self.dossier.bookyear_ids.sorted("date_start")
        self.assertEqual(years.mapped("name"), ["2025", "2026"])
        self.assertEqual(years.mapped("closed"), [True, False])
        self.assertEqual(years[1].date_start, date(2026, 1, 1))
        self.assertEqual(years[1].period_ids.mapped("number"), [202600 + month for month in range(1, 13)])
        may = years[1].period_ids.filtered(lambda p: p.number == 202605)
        self.assertEqual((may.date_start, may.date_end), (date(2026, 5, 1), date(2026, 5, 31)))

        journals = {j.key: j for j in self.dossier.journal_ids}
        self.assertEqual(sorted(journals), ["A1", "D1", "F1", "F2", "V1", "V2"])
        self.assertEqual(journals["V1"].journal_type, "V")
        self.assertEqual(journals["F1"].currency_code, "EUR")
        self.assertEqual(journals["V2"].insertion_type, 2)
        v1_2026 = self._journal_year("V1")
        self.assertEqual(v1_2026.last_document_nr, 143)
        self.assertFalse(v1_2026.closed)
        self.assertFalse(years[0].journal_year_ids, "a closed bookyear takes no bookings: its journals are not read")

        self.assertEqual(len(self.dossier.account_ids), len(self.demo_dossier_seed["accounts"]))
        revenue = self.dossier.account_ids.filtered(lambda a: a.number == 700000)
        self.assertEqual(revenue.name, "Verkopen handelsgoederen")
        self.assertEqual(
            sorted(self.dossier.vat_code_ids.mapped("code")),
            sorted(v["code"] for v in self.demo_dossier_seed["vatcodes"]),
        )
        ic = self.dossier.vat_code_ids.filtered(lambda c: c.code == "IC")
        self.assertEqual((ic.vat_type, ic.percentage, ic.name), ("2", 0.0, "Intracommunautaire levering"))
        self.assertTrue(self.dossier.last_sync_date)
        self.assertTrue(self.dossier.accounts_sync_date)
        self.assertIn("2 bookyears", message)

    def test_sync_again_changes_nothing(self):
        self.dossier.action_sync_bookyears()
        before = {
            model: self.env[model].search([("company_id", "=", self.company.id)]).ids
            for model in (
                "octopus.bookyear",
                "octopus.bookyear.period",
                "octopus.journal",
                "octopus.journal.year",
                "octopus.account",
                "octopus.vat.code",
            )
        }

        kind, _message = self._notification(self.dossier.action_sync_bookyears())

        self.assertEqual(kind, "success")
        after = {model: self.env[model].search([("company_id", "=", self.company.id)]).ids for model in before}
        self.assertEqual(before, after)

    def test_changes_in_octopus_are_taken_over(self):
        self.dossier.action_sync_bookyears()
        state = self.sandbox.state
        state.protect_period(DEMO_DOSSIER_ID, 2, "V1", 202603)
        state.book_directly(DEMO_DOSSIER_ID, 2, "A1")
        state.close(DEMO_DOSSIER_ID, 2, "F2")

        self.dossier.action_sync_bookyears()

        self.assertEqual(self._journal_year("V1").protected_period, 202603)
        self.assertEqual(self._journal_year("A1").last_document_nr, 159)
        self.assertTrue(self._journal_year("F2").closed)

        state.close(DEMO_DOSSIER_ID, 2)  # the whole bookyear 2026
        self.dossier.action_sync_bookyears()

        self.assertTrue(self.dossier.bookyear_ids.filtered(lambda b: b.octopus_key == 2).closed)

    def test_new_bookyear_appears(self):
        self.dossier.action_sync_bookyears()
        seed = demo_seed()
        dossier_seed = next(d for d in seed["dossiers"] if d["id"] == DEMO_DOSSIER_ID)
        dossier_seed["bookyears"].append(
            {"id": 3, "description": "2027", "start": "2027-01-01", "end": "2027-12-31", "closed": False}
        )
        self.sandbox.state.reset(seed=seed)

        self.dossier.action_sync_bookyears()

        self.assertEqual(sorted(self.dossier.bookyear_ids.mapped("name")), ["2025", "2026", "2027"])
        new = self.dossier.bookyear_ids.filtered(lambda b: b.octopus_key == 3)
        self.assertEqual(len(new.period_ids), 12)
        self.assertEqual(len(new.journal_year_ids), 6)
        self.assertEqual(len(self.dossier.journal_ids), 6, "journals are per dossier, their years per bookyear")
        # Accounts are read for the newest open bookyear.
        self.assertEqual(self.sandbox.state.call_counts.get("GET /dossiers/{dossierId}/accounts"), 1)

    def test_octopus_error_during_sync_writes_nothing(self):
        # Bookyears are read, then the journals fail on every retry.
        self.sandbox.state.inject_fault("5xx", count=3, path="/journals")

        with self.assertRaisesRegex(UserError, "nothing was changed") as caught:
            self.dossier.action_sync_bookyears()

        self.assertIn("cannot be reached", str(caught.exception))
        self.assertEqual(self.sandbox.state.call_counts.get("GET /dossiers/{dossierId}/bookyears"), 1)
        self.assertFalse(self.env["octopus.bookyear"].search([("dossier_id", "=", self.dossier.id)]))
        self.assertFalse(self.env["octopus.journal"].search([("dossier_id", "=", self.dossier.id)]))
        self.assertFalse(self.dossier.last_sync_date)

    def test_disabled_dossier_is_explained(self):
        self.sandbox.state.dossiers[DEMO_DOSSIER_ID].disabled = True

        with self.assertRaisesRegex(UserError, "refuses access to the dossier"):
            self.dossier.action_sync_bookyears()

        self.assertFalse(self.dossier.bookyear_ids)

    def test_accounts_are_read_twice_a_day_at_most(self):
        self.dossier.action_sync_bookyears()
        self.dossier.action_sync_bookyears()
        self.sandbox.state.close(DEMO_DOSSIER_ID, 2, "V1")

        kind, message = self._notification(self.dossier.action_sync_bookyears())

        self.assertEqual(kind, "warning")
        self.assertIn("twice a day", message)
        self.assertEqual(
            self.sandbox.state.call_counts.get("GET /dossiers/{dossierId}/accounts"),
            2,
            "the third read is stopped before it reaches Octopus",
        )
        self.assertTrue(self._journal_year("V1").closed, "the rest is still synchronised")
        self.assertEqual(len(self.dossier.account_ids), len(self.demo_dossier_seed["accounts"]), "accounts are kept")
        self.assertEqual(len(self.dossier.vat_code_ids), len(self.demo_dossier_seed["vatcodes"]))

    def test_only_octopus_managers_synchronise(self):
        invoicer = new_test_user(
            self.env,
            login="octopus_sync_invoicer",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        with self.assertRaises(AccessError):
            self.dossier.with_user(invoicer).action_sync_bookyears()
        self.assertNotIn("GET /dossiers/{dossierId}/bookyears", self.sandbox.state.call_counts)

    def test_helpers_for_the_push(self):
        self.dossier.action_sync_bookyears()

        period = self.dossier._period_for_date(date(2026, 5, 14))
        self.assertEqual(period.number, 202605)
        self.assertEqual(period.bookyear_id.name, "2026")
        self.assertFalse(self.dossier._period_for_date(date(2030, 1, 1)))

        bookyear = period.bookyear_id
        v1 = self.dossier.journal_ids.filtered(lambda j: j.key == "V1")
        self.assertEqual(v1._year_for(bookyear).last_document_nr, 143)
        self.assertFalse(v1._year_for(self.dossier.bookyear_ids - bookyear))

        self.sandbox.state.book_directly(DEMO_DOSSIER_ID, 2, "V1")
        years = self.dossier._refresh_journal_numbers(bookyear)
        self.assertEqual(len(years), 6)
        self.assertEqual(v1._year_for(bookyear).last_document_nr, 144)

    def test_accounts_octopus_no_longer_lists_are_kept(self):
        self.dossier.action_sync_bookyears()
        self.sandbox.state.dossiers[DEMO_DOSSIER_ID].accounts.clear()  # Octopus answers 404 "none found"

        self.dossier.action_sync_bookyears()

        self.assertEqual(len(self.dossier.account_ids), len(self.demo_dossier_seed["accounts"]))

    def test_journal_reads_keep_a_reserve_for_the_push_checks(self):
        self.dossier.action_sync_bookyears()
        bookyear = self.dossier._period_for_date(date(2026, 5, 14)).bookyear_id
        counter = self.env["octopus.call.counter"]
        used = counter._allowed("GET /journals") - 1  # the sync above read the journals once
        for _i in range(used):
            counter._count_call(self.connection.id, "GET /journals", DEMO_DOSSIER_ID)

        with self.assertRaises(errors.DailyLimitReached):
            self.dossier._refresh_journal_numbers(bookyear)
        calls = self.sandbox.state.call_counts.get("GET /dossiers/{dossierId}/bookyears/{bookyearId}/journals")

        self.dossier._refresh_journal_numbers(bookyear, use_reserve=True)

        self.assertEqual(
            self.sandbox.state.call_counts.get("GET /dossiers/{dossierId}/bookyears/{bookyearId}/journals"), calls + 1
        )
        self.assertLess(counter._allowed("GET /journals"), counter._allowed("GET /journals", use_reserve=True))
        self.assertEqual(counter._remaining(self.connection, "GET /journals", DEMO_DOSSIER_ID, use_reserve=True), 2)
