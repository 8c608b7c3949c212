from lxml import etree

from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import OctopusCommon

PARKZICHT_IBAN = "BE73 7350 1234 5660"  # dossier 1004 names its F1 journal "KBC BE73 7350 1234 5660"


@tagged("post_install", "-at_install")
class TestMappingTab(OctopusCommon):
    """The mapping of an association on one screen, suggested, and copied to the other associations."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._link_company()
        cls.zonneveld = cls.setup_other_company(name="VME Residentie Zonneveld", vat="BE0403019261")
        cls.parkzicht = cls.setup_other_company(name="VME Parkzicht", vat="BE0456123791")
        cls.parkzicht["default_journal_bank"].bank_acc_number = PARKZICHT_IBAN
        for data in (cls.zonneveld, cls.parkzicht):
            data["company"].action_octopus_link_dossier()
            data["company"].octopus_dossier_id.action_sync_bookyears()

    def _key(self, journal):
        return journal.octopus_journal_id.key or journal.octopus_bank_journal_id.key

    def test_the_tab_lists_sales_purchase_and_bank_journals(self):
        journals = self.dossier.mapping_journal_ids
        self.assertEqual(set(journals.mapped("type")), {"sale", "purchase", "bank"})
        self.assertEqual(journals.company_id, self.company)

    def test_suggestions(self):
        sale = self.company_data["default_journal_sale"]
        self.assertEqual(sale.octopus_suggested_journal_id.key, "V1", "V1 takes bookings; V2 is for invoices")
        self.assertEqual(self.company_data["default_journal_purchase"].octopus_suggested_journal_id.key, "A1")
        self.assertEqual(
            self.parkzicht["default_journal_bank"].octopus_suggested_journal_id.key,
            "F1",
            "the F journal whose name carries the IBAN",
        )
        self.company_data["default_journal_bank"].bank_acc_number = "BE71 0961 2345 6769"
        self.assertFalse(
            self.company_data["default_journal_bank"].octopus_suggested_journal_id,
            "no F journal of dossier 1001 names this IBAN: nothing is guessed",
        )

        purchase = self.company_data["default_journal_purchase"]
        purchase.octopus_journal_id = self.dossier.journal_ids.filtered(lambda j: j.key == "A1")
        sale.octopus_journal_id = self.dossier.journal_ids.filtered(lambda j: j.key == "V2")
        self.dossier.action_fill_mapping_suggestions()
        self.assertEqual(self._key(sale), "V2", "a mapping already made is kept")

        parkzicht = self.parkzicht["company"].octopus_dossier_id
        parkzicht.with_context(allowed_company_ids=[self.company.id]).action_fill_mapping_suggestions()
        self.assertEqual(self._key(self.parkzicht["default_journal_sale"]), "V1")
        self.assertEqual(self._key(self.parkzicht["default_journal_purchase"]), "A1")
        self.assertEqual(self._key(self.parkzicht["default_journal_bank"]), "F1")
        self.assertEqual(self.parkzicht["default_journal_bank"].bank_account_id.octopus_journal_id.key, "F1")

    def test_edit_in_place(self):
        sale = self.company_data["default_journal_sale"]
        bank = self.company_data["default_journal_bank"]
        bank.bank_acc_number = "BE71 0961 2345 6769"
        octopus = {journal.key: journal for journal in self.dossier.journal_ids}
        with Form(self.dossier) as form:
            for index in range(len(form.mapping_journal_ids)):
                with form.mapping_journal_ids.edit(index) as line:
                    if line.id == sale.id:
                        line.octopus_journal_id = octopus["V2"]
                        line.octopus_default_account_id = self.dossier.account_ids.filtered(
                            lambda a: a.number == 700000
                        )
                    elif line.id == bank.id:
                        line.octopus_bank_journal_id = octopus["F2"]
        self.assertEqual(sale.octopus_journal_id, octopus["V2"])
        self.assertEqual(sale.octopus_default_account_id.number, 700000)
        self.assertEqual(bank.bank_account_id.octopus_journal_id, octopus["F2"])

    def _default_account_dropdown(self, journal, model, name=""):
        """The account numbers the journal's default-account dropdown offers on `model`'s form (the
        journal's own, or the dossier's mapping tab): Odoo's many2one asks name_search for 8, with
        the field's context from the view, evaluated on the journal."""
        arch = etree.fromstring(self.env[model].get_view(view_type="form")["arch"])
        [node] = arch.xpath("//field[@name='octopus_default_account_id']")
        context = safe_eval(node.get("context") or "{}", {"octopus_journal_type": journal.octopus_journal_type})
        found = (
            self.env["octopus.account"]
            .with_context(**context)
            .name_search(name, [("dossier_id", "=", self.dossier.id)], limit=8)
        )
        return [int(label.split()[0]) for _id, label in found]

    def test_default_account_offers_the_journal_class_first(self):
        sale = self.company_data["default_journal_sale"]
        purchase = self.company_data["default_journal_purchase"]
        for model in ("account.journal", "octopus.dossier"):
            offered = self._default_account_dropdown(sale, model)
            self.assertEqual(len(offered), 8)
            self.assertEqual([n // 100000 for n in offered], [7] * 8, f"sales: class 7 first ({model})")
            offered = self._default_account_dropdown(purchase, model)
            self.assertEqual([n // 100000 for n in offered], [6] * 8, f"purchases: class 6 first ({model})")
        self.assertEqual(
            self._default_account_dropdown(sale, "account.journal", "Wachtrekening"),
            [499000],
            "another class is found by typing",
        )
        self.assertEqual(
            self._default_account_dropdown(purchase, "octopus.dossier", "70"),
            [657000, 570000, 700000, 701000, 702000, 704000, 708000],
            "what matches 70: the class-6 account first, then the others in their order",
        )

    def test_mapping_check_links_to_the_record_to_fix(self):
        sale = self.company_data["default_journal_sale"]
        tax = self.env.ref(f"account.{self.company.id}_attn_VAT-OUT-00-CC")
        report = self.dossier.mapping_report
        self.assertIn(f'href="/odoo/m-account.journal/{sale.id}?cids=', report)
        self.assertIn(f'href="/odoo/m-account.tax/{tax.id}?cids=', report)

    def test_copy_mapping_to_other_associations(self):
        octopus = {journal.key: journal for journal in self.dossier.journal_ids}
        self.company_data["default_journal_sale"].write(
            {
                "octopus_journal_id": octopus["V2"].id,
                "octopus_number_follows": True,
                "octopus_default_account_id": self.dossier.account_ids.filtered(lambda a: a.number == 700000).id,
            }
        )
        self.company_data["default_journal_purchase"].octopus_journal_id = octopus["A1"]
        self.env.ref(f"account.{self.company.id}_attn_VAT-OUT-00-CC").octopus_vat_code = "00"
        revenue = self.company_data["default_account_revenue"].with_company(self.company)
        revenue.octopus_account_number = 701000
        targets = self.zonneveld["company"].octopus_dossier_id | self.parkzicht["company"].octopus_dossier_id
        wizard = (
            self.env["octopus.mapping.copy"]
            .with_context(default_dossier_id=self.dossier.id)
            .create({"target_dossier_ids": [(6, 0, targets.ids)]})
        )

        kind, message = self._notification(wizard.action_copy())

        self.assertEqual(kind, "success")
        zonneveld_sale = self.zonneveld["default_journal_sale"]
        self.assertEqual(zonneveld_sale.octopus_journal_id.key, "V2")
        self.assertEqual(zonneveld_sale.octopus_journal_id.dossier_id, targets[0], "the target's own journal")
        self.assertTrue(zonneveld_sale.octopus_number_follows)
        self.assertEqual(zonneveld_sale.octopus_default_account_id.dossier_id, targets[0])
        self.assertEqual(self.zonneveld["default_journal_purchase"].octopus_journal_id.key, "A1")
        self.assertEqual(
            self.env.ref(f"account.{self.zonneveld['company'].id}_attn_VAT-OUT-00-CC").octopus_vat_code, "00"
        )
        self.assertEqual(
            self.zonneveld["default_account_revenue"].with_company(self.zonneveld["company"]).octopus_account_number,
            701000,
        )
        self.assertIn("VME Parkzicht: 1 journals, 1 accounts, 1 VAT codes.", message)
        self.assertFalse(self.parkzicht["default_journal_sale"].octopus_journal_id, "V2: Parkzicht has none")
        self.assertIn("Not copied: journal", message)
        self.assertIn("Mapping copied from Demo BV (1001)", targets[1].message_ids[:1].body)
