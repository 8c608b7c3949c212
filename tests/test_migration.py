"""The 18.0.2.0.0 migration turns 18.0.1.0.0's outbox columns on account_move into booking rows."""

import importlib.util
from pathlib import Path

from odoo.tests import tagged

from .push_common import PushCommon

SCRIPT = Path(__file__).parent.parent / "migrations" / "18.0.2.0.0" / "post-migrate.py"
OLD_COLUMNS = {
    "octopus_waiting_reason": "varchar",
    "octopus_message": "text",
    "octopus_next_try": "timestamp",
    "octopus_retry_count": "int4",
    "octopus_bookyear_id": "int4",
    "octopus_journal_key": "varchar",
    "octopus_document_nr": "int4",
    "octopus_sent_at": "timestamp",
    "octopus_check_needed": "bool",
    "octopus_payment_journal_key": "varchar",
    "octopus_payment_document_nr": "int4",
    "octopus_payment_sent_at": "timestamp",
    "octopus_payment_check_needed": "bool",
    "octopus_payment_message": "text",
}


def load_script():
    spec = importlib.util.spec_from_file_location("account_octopus_post_migrate_18_0_2", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestMigration(PushCommon):
    def _old_row(self, move, **values):
        """Write `values` in 18.0.1.0.0's columns of `move` (as that version left them)."""
        self.env.flush_all()
        assignments = ", ".join(f"{name} = %s" for name in values)
        self.env.cr.execute(
            f"UPDATE account_move SET {assignments} WHERE id = %s",  # noqa: S608 (test's own names)
            [*values.values(), move.id],
        )

    def test_old_columns_become_booking_rows(self):
        for name, kind in OLD_COLUMNS.items():
            self.env.cr.execute(f"ALTER TABLE account_move ADD COLUMN IF NOT EXISTS {name} {kind}")
        bookyear = self.dossier.bookyear_ids.filtered(lambda b: b.octopus_key == 2)
        sent, waiting, lost = self._move(post=False), self._move(post=False), self._move(post=False)
        (sent | waiting | lost).action_post()
        # 18.0.1.0.0 had no booking rows: these moves' outbox lived in the columns only.
        self.env["octopus.booking"].sudo().search([("move_id", "in", (sent | waiting | lost).ids)]).unlink()
        attempt = (
            self.env["octopus.push.attempt"]
            .sudo()
            .create(
                {
                    "move_id": lost.id,
                    "document": "invoice",
                    "trigger": "cron",
                    "outcome": "uncertain",
                    "message": "lost",
                }
            )
        )
        self._old_row(
            sent,
            octopus_state="sent",
            octopus_bookyear_id=bookyear.id,
            octopus_journal_key="V1",
            octopus_document_nr=144,
            octopus_number="2026/V1/144",
            octopus_sent_at="2026-03-06 10:00:00",
            octopus_message="Booked in Octopus as 2026/V1/144.",
            octopus_payment_state="waiting",
            octopus_payment_journal_key="F1",
            octopus_waiting_reason="lock",
            octopus_next_try="2026-03-06 11:00:00",
            octopus_payment_message="Waiting: locked",
        )
        self._old_row(
            waiting,
            octopus_state="waiting",
            octopus_waiting_reason="network",
            octopus_retry_count=2,
            octopus_next_try="2026-03-06 12:00:00",
            octopus_message="Octopus cannot be reached",
        )
        self._old_row(
            lost,
            octopus_state="uncertain",
            octopus_check_needed=True,
            octopus_bookyear_id=bookyear.id,
            octopus_journal_key="V1",
            octopus_document_nr=145,
            octopus_next_try="2026-03-06 10:05:00",
        )

        load_script().migrate_outbox(self.env)
        self.env.invalidate_all()

        def booking(move, kind="invoice"):
            return self.env["octopus.booking"].search([("move_id", "=", move.id), ("kind", "=", kind)])

        invoice = booking(sent)
        self.assertEqual(
            (invoice.state, invoice.number, invoice.document_nr, invoice.journal_key),
            ("sent", "2026/V1/144", 144, "V1"),
        )
        self.assertFalse(invoice.next_try, "a sent booking is never due")
        payment = booking(sent, "payment")
        self.assertEqual(
            (payment.state, payment.waiting_reason, str(payment.next_try), payment.message),
            ("waiting", "lock", "2026-03-06 11:00:00", "Waiting: locked"),
        )
        self.assertEqual(
            (booking(waiting).state, booking(waiting).waiting_reason, booking(waiting).retry_count),
            ("waiting", "network", 2),
        )
        self.assertEqual(
            (booking(lost).state, booking(lost).check_needed, booking(lost).document_nr),
            ("uncertain", True, 145),
            "a lost reply is still checked before any resend",
        )
        self.assertEqual(attempt.booking_id, booking(lost), "attempts are kept, on their booking")
        self.assertEqual(self.env["octopus.booking"].search_count([("move_id", "in", (sent | waiting | lost).ids)]), 4)
        self.assertEqual(self.env.ref("account_octopus.ir_cron_octopus_push").model_id.model, "octopus.booking")
