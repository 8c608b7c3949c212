"""Moves that cannot be pushed (their company's connection is deactivated, e.g. paused by an
administrator) must not fill the cron's batches: the other companies' moves still go out.

Found by the benchmarks (bench/README.md): 220 queued moves of a company whose connection was
archived took every batch of 50, oldest first, so the moves of another company were never sent
and the cron re-triggered itself without end.
"""

from odoo import Command
from odoo.tests import tagged

from .common import DEMO_PASSWORD, DEMO_SOFTWARE_HOUSE_UUID, DEMO_USER
from .push_common import PushCommon


@tagged("post_install", "-at_install")
class TestCronFairness(PushCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
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

    def test_paused_company_does_not_starve_the_others(self):
        tax = self.env.ref(f"account.{self.other.id}_attn_VAT-OUT-21-L")
        paused = (
            self.env["account.move"]
            .with_company(self.other)
            .create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": self.customer.id,
                        "journal_id": self.other_journal.id,
                        "invoice_date": "2026-03-01",  # older: first in the cron's order
                        "invoice_line_ids": [
                            Command.create({"name": "Fee", "price_unit": 100.0, "tax_ids": [Command.set(tax.ids)]})
                        ],
                    }
                    for _index in range(3)
                ]
            )
        )
        paused.action_post()
        self.assertEqual(set(paused.mapped("octopus_state")), {"to_send"})
        self.other_connection.active = False

        invoice = self._move()  # the demo company, dossier 1001, dated 2026-03-05
        self._push(limit=2)

        self.assertEqual(invoice.octopus_state, "sent", "the paused company's moves took the whole batch")
        self.assertEqual(set(paused.mapped("octopus_state")), {"to_send"}, "kept in the queue, not sent")
        self.assertFalse(
            self.env["octopus.booking"].search_count(
                [*self.env["octopus.booking"]._due_domain(), ("move_id", "in", paused.ids)]
            ),
            "not due while their connection is inactive, so the cron does not re-trigger itself for them",
        )
