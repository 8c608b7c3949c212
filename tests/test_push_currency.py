from odoo.tests import tagged

from .push_common import INVOICE_DATE, PushCommon

GET_CURRENCIES = "GET /dossiers/{dossierId}/currencies"


@tagged("post_install", "-at_install")
class TestPushCurrency(PushCommon):
    """An invoice in dollars is booked in dollars, with the rate Odoo converted at (ref §4.6)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.env.ref("base.USD")
        cls.usd.active = True
        cls.env["res.currency.rate"].create(
            {"name": INVOICE_DATE, "currency_id": cls.usd.id, "company_id": cls.company.id, "rate": 1.0823}
        )

    def _dollar_invoice(self, price=1000.0):
        invoice = self._move(post=False, lines=[(price, self.tax_sale_21)])
        invoice.currency_id = self.usd
        invoice.action_post()
        return invoice

    def test_invoice_in_dollars_books_dollars_and_the_rate(self):
        invoice = self._dollar_invoice()
        self._push()

        self.assertEqual(invoice.octopus_state, "sent", self._booking(invoice).message)
        data = self._bookings()[0]["booking"]
        self.assertEqual((data["currencyCode"], data["exchangeRate"]), ("USD", 1.0823))
        self.assertEqual(data["amount"], 1210.0, "the document's own total, as the customer sees it")
        self.assertEqual((data["bookingLines"][0]["baseAmount"], data["bookingLines"][0]["vatAmount"]), (1000.0, 210.0))
        self.assertNotEqual(invoice.amount_total_signed, 1210.0, "Odoo's euro amounts differ")

    def test_currencies_are_read_once_a_day(self):
        self._dollar_invoice()
        self._dollar_invoice(500.0)
        self._push()
        self._dollar_invoice(250.0)
        self._push()

        self.assertEqual([b["booking"]["currencyCode"] for b in self._bookings()], ["USD"] * 3)
        self.assertEqual(self._calls(GET_CURRENCIES), 1)
        self.assertIn("USD", self.dossier.currency_codes.split())

    def test_currency_the_dossier_lacks_is_refused_before_sending(self):
        self.sandbox.state.dossiers[self.dossier.octopus_key].currencies = ["EUR"]
        invoice = self._dollar_invoice()
        self._push()

        self.assertEqual(invoice.octopus_state, "failed")
        self.assertIn("does not know the currency USD", self._booking(invoice).message)
        self.assertEqual(self._bookings(), [])

    def test_octopus_refusing_the_currency_says_what_to_do(self):
        invoice = self._dollar_invoice()
        self.dossier.write({"currency_codes": "EUR USD", "currencies_read_at": invoice.create_date})
        self.sandbox.state.dossiers[self.dossier.octopus_key].currencies = ["EUR"]
        self._push()

        self.assertEqual(invoice.octopus_state, "failed")
        self.assertIn("Octopus does not know the invoice's currency", self._booking(invoice).message)
