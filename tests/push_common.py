"""Set-up shared by the push tests: the demo company linked to sandbox dossier 1001, its sales journal
mapped to V1 and its purchase journal to A1, partners that exist in the dossier's relations."""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import DEMO_DOSSIER_ID, DEMO_PASSWORD, DEMO_SOFTWARE_HOUSE_UUID, DEMO_USER, OctopusCommon

INVOICE_DATE = "2026-03-05"  # bookyear 2026 (id 2) of the demo dossier, period 202603
SEED_LAST = {"V1": 143, "A1": 158, "F1": 77}  # lastBookedDocumentNr of bookyear 2 in the demo seed


@tagged("post_install", "-at_install")
class PushCommon(OctopusCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._link_company()
        cls.octopus_journals = {j.key: j for j in cls.dossier.journal_ids}
        cls.sale_journal = cls.company_data["default_journal_sale"]
        cls.purchase_journal = cls.company_data["default_journal_purchase"]
        cls.sale_journal.octopus_journal_id = cls.octopus_journals["V1"]
        cls.purchase_journal.octopus_journal_id = cls.octopus_journals["A1"]
        be = cls.env.ref("base.be")
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Bakkerij Peeters",
                "is_company": True,
                "vat": "BE0412345614",
                "country_id": be.id,
                "street": "Veldstraat 12",
                "zip": "9000",
                "city": "Gent",
                "email": "boekhouding@peeters.be",
            }
        )
        cls.supplier = cls.env["res.partner"].create(
            {
                "name": "Drukkerij Janssens BV",
                "is_company": True,
                "vat": "BE0456789133",
                "country_id": be.id,
                "street": "Doorniksestraat 40",
                "zip": "8500",
                "city": "Kortrijk",
            }
        )
        cls.tax_sale_21 = cls._tax("attn_VAT-OUT-21-L")
        cls.tax_purchase_21 = cls._tax("attn_VAT-IN-V81-21")

    def setUp(self):
        super().setUp()
        # The sandbox was reset: forget its old tokens so call counts hold no 401 retries.
        self.connection._forget_tokens()

    @classmethod
    def _octopus_bank_journal(cls):
        """The company's bank journal, its IBAN mapped to the Octopus financial journal F1."""
        journal = cls.company_data["default_journal_bank"]
        journal.bank_account_id = cls.env["res.partner.bank"].create(
            {"acc_number": "BE71096123456769", "partner_id": cls.company.partner_id.id}
        )
        journal.bank_account_id.octopus_journal_id = cls.octopus_journals["F1"]
        return journal

    @classmethod
    def _link_other_company(cls):
        """A second company (an association) with its own connection, linked to sandbox dossier 1002
        and synchronised, its sales journal booking into V1: sets cls.other, cls.other_connection and
        cls.other_journal."""
        other_seed = next(d for d in cls.seed["dossiers"] if d["id"] == 1002)
        cls.other = cls.setup_other_company(name="VME Zonneveld")["company"]
        cls.other.vat = other_seed["vatNr"]
        cls.other_connection = cls.env["octopus.connection"].create(
            {
                "name": "Sandbox for the VME",
                "url": cls.sandbox.url,
                "user": DEMO_USER,
                "company_id": cls.other.id,
                "password_input": DEMO_PASSWORD,
                "software_house_uuid": DEMO_SOFTWARE_HOUSE_UUID,
            }
        )
        cls.other_connection.action_test_connection()
        cls.other.with_company(cls.other).action_octopus_link_dossier()
        dossier = cls.other.octopus_dossier_id
        dossier.action_sync_bookyears()
        cls.other_journal = cls.env["account.journal"].search(
            [("company_id", "=", cls.other.id), ("type", "=", "sale")], limit=1
        )
        cls.other_journal.octopus_journal_id = dossier.journal_ids.filtered(lambda j: j.key == "V1")

    @classmethod
    def _tax(cls, template_id):
        return cls.env.ref(f"account.{cls.company.id}_{template_id}")

    @classmethod
    def _move(
        cls, move_type="out_invoice", partner=None, lines=None, invoice_date=INVOICE_DATE, post=True, journal=None
    ):
        """A move with `lines` = [(price_unit, taxes[, account])]; posted unless told otherwise."""
        sale = move_type.startswith("out_")
        journal = journal or (cls.sale_journal if sale else cls.purchase_journal)
        default_tax = cls.tax_sale_21 if sale else cls.tax_purchase_21
        line_vals = []
        for line in lines or [(100.0, default_tax)]:
            vals = {
                "name": f"Line {len(line_vals) + 1}",
                "quantity": 1,
                "price_unit": line[0],
                "tax_ids": [Command.set(line[1].ids)],
            }
            if len(line) > 2:
                vals["account_id"] = line[2].id
            line_vals.append(Command.create(vals))
        move = (
            cls.env["account.move"]
            .with_company(cls.company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": (partner or (cls.customer if sale else cls.supplier)).id,
                    "journal_id": journal.id,
                    "invoice_date": invoice_date,
                    "invoice_line_ids": line_vals,
                }
            )
        )
        if post:
            move.action_post()
        return move

    def _other_invoices(self, count=1, invoice_date="2026-03-05"):
        """`count` posted invoices of 100.00 + 21 % VAT of the second company (_link_other_company)."""
        tax = self.env.ref(f"account.{self.other.id}_attn_VAT-OUT-21-L")
        moves = (
            self.env["account.move"]
            .with_company(self.other)
            .create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": self.customer.id,
                        "journal_id": self.other_journal.id,
                        "invoice_date": invoice_date,
                        "invoice_line_ids": [
                            Command.create({"name": "Fee", "price_unit": 100.0, "tax_ids": [Command.set(tax.ids)]})
                        ],
                    }
                    for _index in range(count)
                ]
            )
        )
        moves.action_post()
        return moves

    def _push(self, limit=None, **context):
        """One cron run, inside the test's transaction."""
        self.env["octopus.booking"].with_context(**context)._push_due(limit=limit, with_commit=False)

    @staticmethod
    def _booking(move, kind="invoice"):
        """The move's Octopus booking of `kind` (the invoice's, or its payment's)."""
        return move.octopus_booking_ids.filtered(lambda b: b.kind == kind)

    def _bookings(self, journal_key=None):
        return [b for b in self.sandbox.state.bookings(DEMO_DOSSIER_ID) if journal_key in (None, b["journalKey"])]

    def _calls(self, operation):
        """Octopus calls the sandbox received for `operation`, e.g. "POST /dossiers/{dossierId}/buysellbookings"."""
        return self.sandbox.state.call_counts.get(operation, 0)

    def _later(self, **delta):
        """A moment after now, for freeze_time."""
        return fields.Datetime.now() + timedelta(**delta)
