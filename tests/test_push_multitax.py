from odoo import Command
from odoo.tests import tagged

from .push_common import PushCommon


@tagged("post_install", "-at_install")
class TestPushMultiTax(PushCommon):
    """Lines with VAT and a levy (Recupel, Bebat) are booked with Odoo's own amounts, split per account and code."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levy_account = cls.env["account.account"].search(
            [*cls.env["account.account"]._check_company_domain(cls.company), ("code", "=", "743000")]
        )
        cls.recupel = cls._levy("Recupel", 0.50, in_vat_base=True)
        cls.bebat = cls._levy("Bebat", 0.15, in_vat_base=False)

    @classmethod
    def _levy(cls, name, amount, in_vat_base):
        repartition = [
            Command.create({"repartition_type": "base"}),
            Command.create({"repartition_type": "tax", "account_id": cls.levy_account.id}),
        ]
        return cls.env["account.tax"].create(
            {
                "name": name,
                "amount_type": "fixed",
                "amount": amount,
                "type_tax_use": "sale",
                "sequence": 1,
                "include_base_amount": in_vat_base,
                "company_id": cls.company.id,
                "invoice_repartition_line_ids": repartition,
                "refund_repartition_line_ids": repartition,
            }
        )

    def _lines(self):
        lines = self._bookings()[-1]["booking"]["bookingLines"]
        return {(line["accountKey"], line["vatCodeKey"]): line for line in lines}

    def test_recupel_in_the_vat_base_is_its_own_line_with_its_vat(self):
        invoice = self._move(lines=[(100.0, self.recupel | self.tax_sale_21), (40.0, self.recupel | self.tax_sale_21)])
        self._push()

        self.assertEqual(invoice.octopus_state, "sent", self._booking(invoice).message)
        lines = self._lines()
        self.assertEqual(set(lines), {(700000, "21"), (743000, "21")})
        self.assertEqual(lines[(743000, "21")]["baseAmount"], 1.0, "Odoo's Recupel amount")
        odoo_vat = -sum(invoice.line_ids.filtered(lambda line: line.tax_line_id == self.tax_sale_21).mapped("balance"))
        self.assertEqual(round(lines[(700000, "21")]["vatAmount"] + lines[(743000, "21")]["vatAmount"], 2), odoo_vat)
        self.assertEqual(odoo_vat, 29.62, "21 % of 100.50 and of 40.50, rounded per line as the company does")
        self.assertEqual(lines[(743000, "21")]["vatAmount"], 0.21)
        data = self._bookings()[-1]["booking"]
        self.assertEqual(data["amount"], invoice.amount_total)

    def test_tax_group_is_split_like_its_taxes(self):
        group = self.env["account.tax"].create(
            {
                "name": "21% + Recupel",
                "amount_type": "group",
                "type_tax_use": "sale",
                "company_id": self.company.id,
                "children_tax_ids": [Command.set((self.recupel | self.tax_sale_21).ids)],
            }
        )
        invoice = self._move(lines=[(100.0, group)])
        self._push()

        self.assertEqual(invoice.octopus_state, "sent", self._booking(invoice).message)
        self.assertEqual(set(self._lines()), {(700000, "21"), (743000, "21")})
        self.assertEqual(self._bookings()[-1]["booking"]["amount"], invoice.amount_total)

    def test_levy_outside_the_vat_base_needs_a_code_then_books_under_it(self):
        invoice = self._move(lines=[(100.0, self.bebat | self.tax_sale_21)])
        self._push()

        self.assertEqual(invoice.octopus_state, "failed")
        self.assertIn("Tax Bebat is a fixed amount outside the VAT base", self._booking(invoice).message)
        self.bebat.octopus_vat_code = "00"
        invoice.action_octopus_retry()
        self._push()

        self.assertEqual(invoice.octopus_state, "sent", self._booking(invoice).message)
        lines = self._lines()
        self.assertEqual((lines[(743000, "00")]["baseAmount"], lines[(743000, "00")]["vatAmount"]), (0.15, 0.0))
        self.assertEqual(lines[(700000, "21")]["vatAmount"], 21.0)

    def test_two_vat_rates_on_one_line_are_refused_with_the_reason(self):
        invoice = self._move(lines=[(100.0, self.tax_sale_21 | self._tax("attn_VAT-OUT-06-L"))])
        self._push()

        self.assertEqual(invoice.octopus_state, "failed")
        self.assertIn("has 2 VAT taxes: Octopus books one VAT code per line", self._booking(invoice).message)

    def test_mapping_check_does_not_ask_a_code_for_a_levy(self):
        problems = "\n".join(self.dossier._mapping_problems())
        self.assertNotIn("Recupel", problems)
        self.assertNotIn("Bebat", problems, "outside the VAT base it is checked on the invoice that uses it")
