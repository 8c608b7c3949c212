from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from .push_common import SEED_LAST, PushCommon

CRON = "account_octopus.ir_cron_octopus_push"


@tagged("post_install", "-at_install")
class TestPushPosting(PushCommon, CronMixinCase):
    """Posting only queues; users see the state and act on it from the invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = cls._invoicing_user("octopus_clerk")

    def test_posting_never_calls_the_network(self):
        calls = dict(self.sandbox.state.call_counts)
        # no wake-up pending from the set-up (one pending wake-up serves every posting: _wake_jobs)
        self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", self.env.ref(CRON).id)]).unlink()
        with self.capture_triggers(CRON) as triggers:
            invoice = self._move()
            bill = self._move("in_invoice")
        self.assertEqual(self.sandbox.state.call_counts, calls, "no Octopus call while posting")
        self.assertEqual((invoice.octopus_state, bill.octopus_state), ("to_send", "to_send"))
        self.assertTrue(triggers.records, "the background job is woken up after the commit")
        self.assertEqual(self._bookings(), [])

        self._push()
        self.assertEqual((invoice.octopus_state, bill.octopus_state), ("sent", "sent"))

    def test_a_posting_during_a_push_run_still_wakes_the_job(self):
        push = self.env.ref(CRON).sudo()
        triggers = self.env["ir.cron.trigger"].sudo()
        triggers.search([("cron_id", "=", push.id)]).unlink()
        run_started = fields.Datetime.now() - timedelta(seconds=5)
        triggers.create({"cron_id": push.id, "call_at": run_started - timedelta(seconds=1)})  # what the run began from
        invoice = self._move()
        # The run ends (its last look at "due" came before this posting): Odoo's runner deletes the
        # wake-ups older than the run's start (ir.cron._reschedule_later).
        triggers.search([("cron_id", "=", push.id), ("call_at", "<", run_started)]).unlink()
        self.assertEqual(invoice.octopus_state, "to_send")
        self.assertTrue(triggers.search([("cron_id", "=", push.id)]), "a wake-up is left for the invoice")

    def test_drafts_and_entries_are_not_queued(self):
        draft = self._move(post=False)
        self.assertFalse(draft.octopus_state)
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": self.company_data["default_journal_misc"].id,
                "line_ids": [
                    (0, 0, {"account_id": self.company_data["default_account_revenue"].id, "debit": 10.0}),
                    (0, 0, {"account_id": self.company_data["default_account_expense"].id, "credit": 10.0}),
                ],
            }
        )
        entry.action_post()
        self.assertFalse(entry.octopus_state)

    def test_missing_mapping_blocks_posting_when_the_company_says_so(self):
        self.company.octopus_check_at_post = True
        unmapped = self._tax("attn_VAT-OUT-00-CC")  # no default VAT code for co-contractor sales
        invoice = self._move(lines=[(100.0, unmapped)], post=False)
        with (
            self.assertRaisesRegex(UserError, "has no Octopus VAT code .* set one on the tax"),
            self.env.cr.savepoint(),
        ):
            invoice.action_post()
        invoice.invalidate_recordset()
        self.assertEqual(invoice.state, "draft", "posting was refused")

    def test_missing_mapping_marks_failed_then_retry_after_the_fix(self):
        unmapped = self._tax("attn_VAT-OUT-00-CC")
        invoice = self._move(lines=[(100.0, unmapped)])
        self.assertEqual(
            (invoice.state, invoice.octopus_state),
            ("posted", "to_send"),
            "posting stays fast: the background job checks the mapping",
        )
        self._push()
        self.assertEqual(invoice.octopus_state, "failed")
        self.assertIn("has no Octopus VAT code", self._booking(invoice).message)
        self.assertEqual(invoice.octopus_attempt_ids.trigger, "cron")
        self.assertEqual(self._bookings(), [], "nothing half-mapped reaches Octopus")

        unmapped.octopus_vat_code = "00"
        invoice.action_octopus_retry()
        self._push()
        self.assertEqual(invoice.octopus_state, "sent")
        self.assertEqual(self._bookings()[0]["booking"]["bookingLines"][0]["vatCodeKey"], "00")

    def test_unmapped_journal_is_named_in_the_message(self):
        self.sale_journal.octopus_journal_id = False
        invoice = self._move()
        self._push()
        self.assertEqual(invoice.octopus_state, "failed")
        self.assertIn(f"Journal {self.sale_journal.name} has no Octopus journal", self._booking(invoice).message)

    def test_send_now_button(self):
        invoice = self._move()
        action = invoice.with_user(self.clerk).action_octopus_send_now()
        kind, message = self._notification(action)
        self.assertEqual(kind, "success")
        self.assertIn(f"2026/V1/{SEED_LAST['V1'] + 1}", message)
        self.assertEqual(invoice.octopus_state, "sent")
        self.assertEqual(invoice.octopus_attempt_ids.trigger, "manual")

    def test_reset_to_draft_of_a_sent_invoice_is_refused(self):
        invoice = self._move()
        self._push()
        with self.assertRaisesRegex(UserError, "Book a credit note"):
            invoice.button_draft()
        with self.assertRaisesRegex(UserError, "Book a credit note"):
            invoice.button_cancel()
        with self.assertRaises(AccessError):
            invoice.with_user(self.clerk).with_context(octopus_force_reset=True).button_draft()
        self.assertEqual(invoice.state, "posted")

    def test_manager_forces_reset_and_reposting_does_not_send_again(self):
        invoice = self._move()
        self._push()
        invoice.action_octopus_force_draft()
        self.assertEqual((invoice.state, invoice.octopus_state), ("draft", "sent"))
        invoice.action_post()
        self._push()
        self.assertEqual(invoice.octopus_state, "sent")
        self.assertEqual(len(self._bookings()), 1)

    def test_queued_invoice_reset_to_draft_leaves_the_queue(self):
        invoice = self._move()
        invoice.button_draft()
        self.assertFalse(invoice.octopus_state)
        self._push()
        self.assertEqual(self._bookings(), [])

    def test_mark_sent_manually_is_for_managers(self):
        invoice = self._move()
        with self.assertRaises(AccessError):
            invoice.with_user(self.clerk).action_octopus_mark_sent()
        invoice.action_octopus_mark_sent()
        self.assertEqual(invoice.octopus_state, "sent")
        self._push()
        self.assertEqual(self._bookings(), [])

    def test_odoo_number_follows_octopus(self):
        self.sale_journal.octopus_number_follows = True
        invoice = self._move()
        odoo_name = invoice.name
        self._push()
        self.assertEqual(invoice.name, f"2026/V1/{SEED_LAST['V1'] + 1}")
        self.assertIn(f"Renamed from {odoo_name}", self._booking(invoice).message)
        self.assertEqual(
            self._bookings()[0]["booking"]["reference"],
            odoo_name,
            "the booking can still be found by the number it was sent with",
        )

    def test_secured_journal_keeps_the_odoo_number(self):
        self.sale_journal.write({"octopus_number_follows": True, "restrict_mode_hash_table": True})
        invoice = self._move()
        odoo_name = invoice.name
        self._push()
        self.assertEqual(invoice.octopus_state, "sent")
        self.assertEqual(invoice.name, odoo_name)

    def test_invoicing_user_sees_state_and_attempts(self):
        invoice = self._move()
        self._push()
        as_clerk = invoice.with_user(self.clerk)
        self.assertEqual(as_clerk.octopus_state, "sent")
        self.assertEqual(as_clerk.octopus_attempt_count, 1)
        action = as_clerk.action_octopus_open_attempts()
        self.assertEqual(self.env[action["res_model"]].with_user(self.clerk).search(action["domain"]).outcome, "sent")

    def test_deactivated_connection_pushes_nothing(self):
        # What a neutralised copy of the database looks like: the connection is off.
        queued = self._move()
        self.connection.active = False
        posted_after = self._move()
        self.assertFalse(posted_after.octopus_state, "nothing queued while the connection is off")
        self._push()
        self.assertEqual(queued.octopus_state, "to_send", "kept for when the connection is back")
        self.assertEqual(self._bookings(), [])

    def test_tokens_are_reused_across_runs(self):
        self._move()
        self._push()
        self._move()
        self._push()
        self.assertEqual(self._calls("POST /authentication"), 1)
        self.assertEqual(self._calls("POST /dossiers"), 1, "one dossier connect for both runs")
        self.assertEqual(len(self._bookings()), 2)
