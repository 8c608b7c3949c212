from odoo import SUPERUSER_ID, api
from odoo.tests import tagged

from .push_common import INVOICE_DATE, SEED_LAST, PushCommon

POST_BOOKING = "POST /dossiers/{dossierId}/buysellbookings"


@tagged("post_install", "-at_install")
class TestPushBooking(PushCommon):
    """The accountant finds each posted document in Octopus: right journal, number, signs, lines."""

    def _assert_balanced(self, data):
        total = round(sum(line["baseAmount"] + line["vatAmount"] for line in data["bookingLines"]), 2)
        self.assertEqual(abs(data["amount"]), total, "Σ(base + VAT) is the document total")

    def test_customer_invoice(self):
        invoice = self._move(lines=[(1000.0, self.tax_sale_21), (250.0, self.tax_sale_21)])
        self._push()

        nr = SEED_LAST["V1"] + 1
        self.assertEqual(invoice.octopus_state, "sent")
        self.assertEqual(invoice.octopus_number, f"2026/V1/{nr}")
        self.assertIn(f"Booked in Octopus as 2026/V1/{nr}", self._booking(invoice).message)
        [stored] = self._bookings()
        self.assertEqual((stored["bookyearId"], stored["journalKey"], stored["documentSequenceNr"]), (2, "V1", nr))
        data = stored["booking"]
        self.assertEqual(data["bookyearPeriodeNr"], 202603, "Octopus' own period number, not 3")
        self.assertEqual(data["documentDate"], INVOICE_DATE)
        self.assertEqual(data["expiryDate"], str(invoice.invoice_date_due))
        self.assertEqual(data["reference"], invoice.name)
        self.assertEqual(data["comment"], invoice.name)
        self.assertEqual(data["amount"], 1512.5)
        self.assertEqual(data["relationIdentificationServiceData"], {"relationKey": {"id": 1}})
        self.assertEqual(
            data["bookingLines"],
            [{"accountKey": 700000, "vatCodeKey": "21", "baseAmount": 1250.0, "vatAmount": 262.5, "comment": "Line 1"}],
        )
        self.assertEqual(invoice.octopus_attempt_ids.mapped("outcome"), ["sent"])
        notes = invoice.message_ids.filtered(lambda m: "Booked in Octopus" in (m.body or ""))
        self.assertEqual(len(notes), 1)
        self.assertTrue(notes.subtype_id.internal, "an internal note: the customer follows the invoice")

    def test_credit_note_shares_the_invoice_journal_and_sequence(self):
        invoice = self._move(lines=[(200.0, self.tax_sale_21)])
        refund = invoice._reverse_moves([{"invoice_date": INVOICE_DATE, "ref": "Return"}])
        refund.action_post()
        self._push()

        self.assertEqual((invoice.octopus_state, refund.octopus_state), ("sent", "sent"))
        first = SEED_LAST["V1"] + 1
        self.assertEqual(refund.octopus_number, f"2026/V1/{first + 1}")
        stored = self._bookings("V1")
        self.assertEqual([b["documentSequenceNr"] for b in stored], [first, first + 1])
        credit = stored[1]["booking"]
        self.assertEqual(credit["amount"], -242.0, "a credit note has a negative total")
        self.assertEqual(credit["bookingLines"][0]["baseAmount"], 200.0, "... and positive lines")
        self.assertEqual(credit["bookingLines"][0]["vatAmount"], 42.0)
        self.assertEqual(credit["comment"], f"{refund.name} Return")

    def test_vendor_bill_and_refund(self):
        bill = self._move("in_invoice", lines=[(80.0, self.tax_purchase_21)])
        bill.ref = "F2026-0042"
        refund = self._move("in_refund", lines=[(30.0, self.tax_purchase_21)])
        self._push()

        self.assertEqual((bill.octopus_state, refund.octopus_state), ("sent", "sent"))
        first = SEED_LAST["A1"] + 1
        self.assertEqual(bill.octopus_number, f"2026/A1/{first}")
        self.assertEqual(refund.octopus_number, f"2026/A1/{first + 1}")
        stored = self._bookings("A1")
        bill_data, refund_data = stored[0]["booking"], stored[1]["booking"]
        self.assertEqual(bill_data["amount"], 96.8)
        self.assertEqual(bill_data["comment"], f"{bill.name} F2026-0042", "the supplier's own number is kept")
        self.assertEqual(bill_data["relationIdentificationServiceData"], {"relationKey": {"id": 2}})
        self.assertEqual(bill_data["bookingLines"][0]["vatCodeKey"], "D21")
        self.assertEqual(
            bill_data["bookingLines"][0]["accountKey"],
            bill.invoice_line_ids.account_id._octopus_account_number(self.dossier),
        )
        self.assertEqual(refund_data["amount"], -36.3)
        self.assertEqual(
            (refund_data["bookingLines"][0]["baseAmount"], refund_data["bookingLines"][0]["vatAmount"]), (30.0, 6.3)
        )
        self.assertIn("without a PDF: the bill has no PDF attached", self._booking(bill).message)

    def test_multi_rate_vat_invoice(self):
        revenue = self.company_data["default_account_revenue"]
        services = self.env["account.account"].search(
            [*self.env["account.account"]._check_company_domain(self.company), ("code", "=", "701000")]
        )
        tax_6, tax_12 = self._tax("attn_VAT-OUT-06-L"), self._tax("attn_VAT-OUT-12-L")
        invoice = self._move(
            lines=[
                (10.01, self.tax_sale_21, revenue),
                (10.01, self.tax_sale_21, revenue),
                (10.01, self.tax_sale_21, revenue),
                (33.33, tax_6, revenue),
                (19.99, tax_12, revenue),
                (45.55, self.tax_sale_21, services),
            ]
        )
        self._push()

        self.assertEqual(invoice.octopus_state, "sent")
        data = self._bookings()[0]["booking"]
        lines = {(line["accountKey"], line["vatCodeKey"]): line for line in data["bookingLines"]}
        self.assertEqual(
            set(lines),
            {(700000, "21"), (700000, "06"), (700000, "12"), (701000, "21")},
            "one line per account and VAT code",
        )
        self.assertEqual(lines[(700000, "21")]["baseAmount"], 30.03)
        for tax, code in ((tax_6, "06"), (tax_12, "12"), (self.tax_sale_21, "21")):
            odoo_vat = -sum(invoice.line_ids.filtered(lambda line, t=tax: line.tax_line_id == t).mapped("balance"))
            octopus_vat = sum(line["vatAmount"] for key, line in lines.items() if key[1] == code)
            self.assertAlmostEqual(octopus_vat, odoo_vat, places=2, msg=f"VAT {code} is Odoo's to the cent")
        self.assertEqual(data["amount"], invoice.amount_total)
        self._assert_balanced(data)

    def test_foreign_customer(self):
        dutch = self.env["res.partner"].create(
            {
                "name": "Van Dijk Logistics",
                "is_company": True,
                "vat": "NL853746333B01",
                "country_id": self.env.ref("base.nl").id,
                "street": "Coolsingel 55",
                "zip": "3011 AA",
                "city": "Rotterdam",
                "email": "ap@vandijk.nl",
            }
        )
        invoice = self._move(partner=dutch, lines=[(500.0, self._tax("attn_VAT-OUT-00-EU-S"))])
        self._push()

        self.assertEqual(invoice.octopus_state, "sent")
        data = self._bookings()[0]["booking"]
        self.assertEqual(
            data["relationIdentificationServiceData"],
            {"relationKey": {"id": 5}},
            "found by VAT although Octopus writes it NL8537.46.333 B01",
        )
        self.assertEqual(
            data["bookingLines"],
            [{"accountKey": 700000, "vatCodeKey": "IC", "baseAmount": 500.0, "vatAmount": 0.0, "comment": "Line 1"}],
        )
        relation = next(
            r
            for r in self.sandbox.state.dossiers[1001].relations
            if r["relationIdentificationServiceData"]["relationKey"]["id"] == 5
        )
        self.assertEqual(
            (relation["name"], relation["email"], relation["vatType"], relation["country"]),
            ("Van Dijk Logistics", "ap@vandijk.nl", 4, "NL"),
            "intra-EU VAT-liable customer",
        )

    def test_each_invoice_goes_to_its_own_companys_dossier(self):
        hoa_seed = next(d for d in self.seed["dossiers"] if d["id"] == 1002)
        hoa = self.setup_other_company(name="VME Residentie Zonneveld")["company"]
        hoa.vat = hoa_seed["vatNr"]
        hoa.with_company(hoa).action_octopus_link_dossier()  # found through the shared connection
        hoa.octopus_dossier_id.action_sync_bookyears()
        hoa_journal = self.env["account.journal"].search([("company_id", "=", hoa.id), ("type", "=", "sale")])
        hoa_journal.octopus_journal_id = hoa.octopus_dossier_id.journal_ids.filtered(lambda j: j.key == "V1")
        hoa_move = (
            self.env["account.move"]
            .with_company(hoa)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "journal_id": hoa_journal.id,
                    "invoice_date": INVOICE_DATE,
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "name": "Syndic fee",
                                "price_unit": 300.0,
                                "tax_ids": [(6, 0, self.env.ref(f"account.{hoa.id}_attn_VAT-OUT-21-L").ids)],
                            },
                        )
                    ],
                }
            )
        )
        hoa_move.action_post()
        demo_move = self._move()

        # As the cron runs it: as root, whose company is neither: each move uses its own company's dossier.
        cron_env = api.Environment(self.env.cr, SUPERUSER_ID, {})
        self.assertNotIn(cron_env.company, self.company | hoa)
        cron_env["octopus.booking"]._push_due(with_commit=False)
        self.assertEqual((demo_move.octopus_state, hoa_move.octopus_state), ("sent", "sent"))
        hoa_last = hoa_seed["journals"][1]["lastBookedDocumentNr"]["2"]
        self.assertEqual(hoa_move.octopus_number, f"2026/V1/{hoa_last + 1}")
        self.assertEqual([b["booking"]["reference"] for b in self.sandbox.state.bookings(1002)], [hoa_move.name])
        self.assertEqual([b["booking"]["reference"] for b in self._bookings()], [demo_move.name])

    def test_company_not_linked_pushes_nothing(self):
        other = self.setup_other_company(name="Not linked")["company"]
        journal = self.env["account.journal"].search([("company_id", "=", other.id), ("type", "=", "sale")], limit=1)
        move = (
            self.env["account.move"]
            .with_company(other)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "journal_id": journal.id,
                    "invoice_date": INVOICE_DATE,
                    "invoice_line_ids": [(0, 0, {"name": "x", "price_unit": 10.0})],
                }
            )
        )
        move.action_post()
        self.assertFalse(move.octopus_state)
        self._push()
        self.assertEqual(self._calls(POST_BOOKING), 0)
