from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import DEMO_DOSSIER_ID, OctopusCommon, demo_seed


@tagged("post_install", "-at_install")
class TestMapping(OctopusCommon):
    """The accountant maps journals, bank accounts, accounts and taxes, helped by sensible defaults."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._link_company()
        cls.octopus_journals = {j.key: j for j in cls.dossier.journal_ids}

    def _tax(self, template_id):
        return self.env.ref(f"account.{self.company.id}_{template_id}")

    def _account(self, code):
        return (
            self.env["account.account"]
            .with_company(self.company)
            .create({"code": code, "name": f"Account {code}", "account_type": "income"})
        )

    # -- accounts ------------------------------------------------------------------------------

    def test_accounts_map_by_code(self):
        revenue = self.company_data["default_account_revenue"]
        self.assertEqual(revenue.code, "700000")
        self.assertEqual(revenue._octopus_account_number(self.dossier), 700000)
        self.assertEqual(
            self._account("7020")._octopus_account_number(self.dossier),
            702000,
            "a shorter Belgian code names the six-digit Octopus account",
        )
        existing = (
            self.env["account.account"]
            .with_company(self.company)
            .search([*self.env["account.account"]._check_company_domain(self.company), ("code", "=", "701000")])
        )
        self.assertEqual(existing._octopus_account_number(self.dossier), 701000)
        self.assertFalse(self._account("709999")._octopus_account_number(self.dossier), "not in the dossier")
        self.assertFalse(self._account("X70000")._octopus_account_number(self.dossier), "not a number")
        self.assertEqual(revenue.with_company(self.company).octopus_account_resolved, "700000 Verkopen handelsgoederen")

    def test_account_override(self):
        account = self._account("709999")
        account.octopus_account_number = 704000
        self.assertEqual(account._octopus_account_number(self.dossier), 704000)
        with self.assertRaisesRegex(ValidationError, "has no account 999999"):
            account.octopus_account_number = 999999

    # -- taxes ---------------------------------------------------------------------------------

    def test_default_vat_codes_of_belgian_taxes(self):
        expected = {
            "attn_VAT-OUT-21-L": "21",
            "attn_VAT-OUT-12-L": "12",
            "attn_VAT-OUT-06-L": "06",
            "attn_VAT-OUT-00-L": "00",
            "attn_VAT-OUT-00-EU-L": "IC",
            "attn_VAT-OUT-00-EU-S": "IC",
            "attn_VAT-OUT-00-EU-T": "IC",
            "attn_VAT-OUT-00-ROW": "EX",
            "attn_VAT-OUT-00-CC": False,
            "attn_VAT-IN-V81-21": "D21",
            "attn_VAT-IN-V82-21-S": "D21",
            "attn_VAT-IN-V81-06": "D06",
            "attn_VAT-IN-V81-00": "D00",
            "attn_VAT-IN-V82-CAR-EXC": "D21",
            "attn_VAT-IN-V81-21-EU": "DIC",
            "attn_VAT-IN-V81-21-ROW-CC": False,
            "attn_VAT-IN-V81-21-CC": False,
        }
        for template_id, code in expected.items():
            with self.subTest(tax=template_id):
                self.assertEqual(self._tax(template_id)._octopus_vat_code(self.dossier), code)

    def test_credit_notes_use_credit_note_codes_when_the_dossier_has_them(self):
        tax = self._tax("attn_VAT-OUT-21-L")
        self.assertEqual(tax._octopus_vat_code(self.dossier, refund=True), "21", "no credit-note code: the normal one")

        seed = demo_seed()
        dossier_seed = next(d for d in seed["dossiers"] if d["id"] == DEMO_DOSSIER_ID)
        dossier_seed["vatcodes"] += [
            {"code": "C21", "description": "Creditnota verkopen 21%", "type": 4, "basePercentage": 21.0},
            {"code": "CD21", "description": "Creditnota aankopen 21%", "type": 3, "basePercentage": 21.0},
        ]
        self.sandbox.state.reset(seed=seed)
        self.dossier.action_sync_bookyears()

        self.assertEqual(tax._octopus_vat_code(self.dossier, refund=True), "C21")
        self.assertEqual(tax._octopus_vat_code(self.dossier), "21")
        self.assertEqual(self._tax("attn_VAT-IN-V81-21")._octopus_vat_code(self.dossier, refund=True), "CD21")
        self.assertEqual(self._tax("attn_VAT-OUT-06-L")._octopus_vat_code(self.dossier, refund=True), "06")

    def test_tax_override_is_checked_against_the_dossier(self):
        tax = self._tax("attn_VAT-OUT-00-CC")
        tax.octopus_vat_code = "00"
        self.assertEqual(tax._octopus_vat_code(self.dossier), "00")
        self.assertEqual(tax.octopus_vat_code_resolved, "00 Verkopen 0%")
        with self.assertRaisesRegex(ValidationError, "has no VAT code ZZ"):
            tax.octopus_vat_code = "ZZ"

    # -- journals and bank accounts ------------------------------------------------------------

    def test_journal_types_must_match(self):
        sale = self.company_data["default_journal_sale"]
        sale.octopus_journal_id = self.octopus_journals["V1"]
        with self.assertRaisesRegex(ValidationError, "Octopus Sale journal"):
            sale.octopus_journal_id = self.octopus_journals["A1"]
        purchase = self.company_data["default_journal_purchase"]
        purchase.octopus_journal_id = self.octopus_journals["A1"]
        self.assertEqual(purchase.octopus_journal_type, "A")

    def test_bank_account_maps_to_a_financial_journal(self):
        bank_journal = self.company_data["default_journal_bank"]
        bank_journal.bank_acc_number = "BE71 0961 2345 6769"
        bank_account = bank_journal.bank_account_id
        self.assertEqual(bank_account.octopus_dossier_id, self.dossier)

        bank_journal.octopus_bank_journal_id = self.octopus_journals["F1"]

        self.assertEqual(bank_account.octopus_journal_id, self.octopus_journals["F1"])
        with self.assertRaisesRegex(ValidationError, "financial"):
            bank_account.octopus_journal_id = self.octopus_journals["V1"]

    # -- the mapping check ---------------------------------------------------------------------

    def test_missing_mappings_are_listed(self):
        sale = self.company_data["default_journal_sale"]
        purchase = self.company_data["default_journal_purchase"]
        problems = "\n".join(self.dossier._mapping_problems())
        self.assertIn(f"Journal {sale.name} has no Octopus journal", problems)
        self.assertIn(f"Journal {purchase.name} has no Octopus journal", problems)
        self.assertIn(self._tax("attn_VAT-OUT-00-CC").display_name, problems)
        self.assertNotIn(f"Tax {self._tax('attn_VAT-OUT-21-L').display_name} has", problems)

        for journal in self.env["account.journal"].search(
            [("company_id", "=", self.company.id), ("type", "in", ("sale", "purchase"))]
        ):
            journal.octopus_journal_id = self.octopus_journals["V1" if journal.type == "sale" else "A1"]
        odd = self._account("799999")
        sale.default_account_id = odd
        self._tax("attn_VAT-OUT-00-CC").octopus_vat_code = "00"

        problems = self.dossier._mapping_problems()

        self.assertFalse([p for p in problems if "no Octopus journal" in p])
        self.assertIn(
            f"Account {odd.display_name} (used by journal {sale.name}) has no Octopus account", "\n".join(problems)
        )
        self.assertNotIn(self._tax("attn_VAT-OUT-00-CC").display_name, "\n".join(problems))

        sale.octopus_default_account_id = self.dossier.account_ids.filtered(lambda a: a.number == 700000)
        self.dossier.invalidate_recordset(["mapping_report", "mapping_ok"])
        self.assertNotIn(odd.display_name, self.dossier.mapping_report)

    def test_mapping_check_before_synchronising(self):
        self.dossier.bookyear_ids.unlink()
        self.assertEqual(
            self.dossier._mapping_problems(), ["The bookyears are not synchronised yet: press 'Synchronise bookyears'."]
        )

    def test_mapping_check_button(self):
        kind, message = self._notification(self.dossier.action_check_mapping())
        self.assertEqual(kind, "warning")
        self.assertIn("has no Octopus journal", message)

    def test_journal_form_offers_the_octopus_journals(self):
        with Form(self.company_data["default_journal_sale"]) as form:
            self.assertEqual(form.octopus_dossier_id, self.dossier)
            form.octopus_journal_id = self.octopus_journals["V2"]
            form.octopus_default_account_id = self.dossier.account_ids.filtered(lambda a: a.number == 700000)
        self.assertEqual(self.company_data["default_journal_sale"].octopus_journal_id.key, "V2")
