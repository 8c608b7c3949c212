"""Two cron workers (two threads, each with its own database cursor and commits) drain the same
outbox at once: every move is booked exactly once, and never two bookings of the journal are on
their way at once (numbers go out in order).

This needs committed data, which a TransactionCase cannot give: the class builds its company and
200 posted invoices through its own cursor, commits, and removes them again at the end.
"""

import threading
import uuid
from collections import Counter
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import tagged
from odoo.tests.common import BaseCase, get_db_name

from odoo.addons.account_octopus.models.octopus_booking_push import OctopusBooking as PushedBooking
from odoo.addons.account_octopus.octopus.dossier import DossierApi
from odoo.addons.account_octopus.sandbox import SandboxServer

from .common import DEMO_PASSWORD, DEMO_SOFTWARE_HOUSE_UUID, DEMO_USER, demo_seed

DOSSIER_ID = 1003  # "Events & Tickets BV": a dossier no other test class uses
MOVES = 200


@tagged("post_install", "-at_install")
class TestPushConcurrency(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        assert cls.registry.test_cr is None, "needs real cursors, not the test cursor"
        cls.seed = demo_seed()
        cls.sandbox = SandboxServer(seed=cls.seed).start()
        cls.addClassCleanup(cls.sandbox.stop)
        dossier_seed = next(d for d in cls.seed["dossiers"] if d["id"] == DOSSIER_ID)
        cls.seed_last_v1 = dossier_seed["journals"][1]["lastBookedDocumentNr"]["2"]
        cls.addClassCleanup(cls._remove_data)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cls._create_data(env, dossier_seed["vatNr"])

    @classmethod
    def _create_data(cls, env, vat):
        be = env.ref("base.be")
        company = env["res.company"].create(
            {
                "name": f"Octopus concurrency test {uuid.uuid4().hex[:8]}",
                "country_id": be.id,
                "currency_id": env.ref("base.EUR").id,
                "vat": vat,
            }
        )
        cls.company_id = company.id
        env["account.chart.template"].try_loading("be_comp", company, install_demo=False)
        env.cr.commit()
        env = env(context={"allowed_company_ids": company.ids})
        company = company.with_env(env)
        connection = env["octopus.connection"].create(
            {
                "name": "Concurrency sandbox",
                "url": cls.sandbox.url,
                "user": DEMO_USER,
                "company_id": company.id,
                "password_input": DEMO_PASSWORD,
                "software_house_uuid": DEMO_SOFTWARE_HOUSE_UUID,
            }
        )
        cls.connection_id = connection.id
        connection.action_test_connection()
        company.action_octopus_link_dossier()
        dossier = company.octopus_dossier_id
        dossier.action_sync_bookyears()
        journal = env["account.journal"].search([("company_id", "=", company.id), ("type", "=", "sale")], limit=1)
        journal.octopus_journal_id = dossier.journal_ids.filtered(lambda j: j.key == "V1")
        tax = env.ref(f"account.{company.id}_attn_VAT-OUT-21-L")
        partner = env["res.partner"].create(
            {"name": "Beats & Bands BV", "is_company": True, "vat": "BE0712345630", "country_id": be.id}
        )
        moves = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "journal_id": journal.id,
                    "invoice_date": "2026-03-05",
                    "invoice_line_ids": [
                        (0, 0, {"name": f"Ticket {index}", "price_unit": 10.0 + index, "tax_ids": [(6, 0, tax.ids)]})
                    ],
                }
                for index in range(MOVES)
            ]
        )
        moves.action_post()
        env.cr.commit()

    @classmethod
    def _remove_data(cls):
        if not getattr(cls, "company_id", None):
            return
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            # Posted moves cannot be deleted through the ORM; lines and attempts cascade.
            cr.execute("DELETE FROM account_move WHERE company_id = %s", [cls.company_id])
            env["octopus.dossier"].search([("company_id", "=", cls.company_id)]).unlink()
            env["octopus.connection"].with_context(active_test=False).browse(cls.connection_id).unlink()
            env["res.company"].browse(cls.company_id).write({"active": False, "vat": False})

    def _worker(self, barrier, outcomes, failures):
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                bookings = env["octopus.booking"]
                barrier.wait(timeout=60)
                # Runs until nothing is due, as the cron's fresh runs do: with one booking of the journal
                # in flight at a time, a worker's run may spend most of its turns finding it busy.
                for _run in range(400):
                    due = bookings.search_count([*bookings._due_domain(), ("company_id", "=", self.company_id)])
                    if not due:
                        break
                    bookings._push_due(limit=25, with_commit=True)
                    cr.commit()  # pylint: disable=invalid-commit
        except Exception as exc:  # noqa: BLE001 (reported by the test thread)
            failures.append(exc)
        finally:
            outcomes.setdefault(threading.current_thread().name, Counter())

    def test_two_workers_book_each_move_once(self):
        outcomes, failures = {}, []
        original = PushedBooking._push_one

        def counting(booking, trigger, session, with_commit):
            result = original(booking, trigger, session, with_commit)
            outcomes.setdefault(threading.current_thread().name, Counter())[result] += 1
            return result

        in_flight, most, guard = [0], [0], threading.Lock()
        insert = DossierApi.insert_buysell_booking

        def watched(api, booking, attachments=None):
            with guard:
                in_flight[0] += 1
                most[0] = max(most[0], in_flight[0])
            try:
                return insert(api, booking, attachments)
            finally:
                with guard:
                    in_flight[0] -= 1

        barrier = threading.Barrier(2)
        with (
            patch.object(PushedBooking, "_push_one", counting),
            patch.object(DossierApi, "insert_buysell_booking", watched),
        ):
            threads = [
                threading.Thread(target=self._worker, args=(barrier, outcomes, failures), name=name)
                for name in ("worker-1", "worker-2")
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=900)
        self.assertFalse(failures, failures)
        self.assertTrue(
            all(outcomes[name]["sent"] + outcomes[name]["busy"] for name in ("worker-1", "worker-2")),
            f"both workers took part: {outcomes}",
        )
        self.assertEqual(most[0], 1, "one booking of the journal on its way at a time")

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            moves = env["account.move"].search([("company_id", "=", self.company_id)])
            self.assertEqual(Counter(moves.mapped("octopus_state")), Counter({"sent": MOVES}))
            stored = self.sandbox.state.bookings(DOSSIER_ID)
            self.assertEqual(len(stored), MOVES, "each move booked once: no duplicate")
            by_reference = Counter(b["booking"]["reference"] for b in stored)
            self.assertEqual(set(by_reference.values()), {1})
            self.assertEqual(set(by_reference), set(moves.mapped("name")))
            numbers = {b["booking"]["reference"]: b["documentSequenceNr"] for b in stored}
            self.assertEqual(
                {m.name: m.octopus_booking_ids.document_nr for m in moves},
                numbers,
                "each move shows the number Octopus has",
            )
            self.assertEqual(
                sorted(numbers.values()), list(range(self.seed_last_v1 + 1, self.seed_last_v1 + MOVES + 1))
            )
