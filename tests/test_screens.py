"""The everyday screens (issue 20): the lock notice inside Odoo, background messages in the
company's language, the dossier's record of syncs and checks, and the Octopus monitor's Send now."""

import ast
import json
from datetime import timezone
from zoneinfo import ZoneInfo

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.base.tests.test_ir_cron import CronMixinCase
from odoo.addons.bus.models.bus import channel_with_db, json_dump

from .common import DEMO_DOSSIER_ID
from .push_common import PushCommon

POST_BOOKING = "POST /dossiers/{dossierId}/buysellbookings"


@tagged("post_install", "-at_install")
class TestScreens(PushCommon, CronMixinCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = cls._invoicing_user("octopus_screens_clerk")

    def test_lock_notice_reaches_an_email_only_user_inside_odoo(self):
        self.env.user.notification_type = "email"
        self.sandbox.state.lock(DEMO_DOSSIER_ID)
        self._move(), self._move()
        self._push()
        self._push(cron_id=1)  # a second run during the same lock
        activities = self.dossier.activity_ids.filtered(lambda a: a.user_id == self.env.user)
        self.assertEqual(len(activities), 1, "one activity for the responsible user, not one per invoice or run")
        self.assertIn("open by another user", str(activities.note))
        self.assertEqual(len(self.dossier.activity_ids), len(self.dossier.activity_ids.user_id), "one per person")

    def test_background_messages_in_the_language_and_time_zone_of_the_responsible_users(self):
        self.env["res.lang"]._activate_lang("nl_BE")
        self.env["ir.module.module"]._load_module_terms(["account_octopus"], ["nl_BE"], overwrite=True)
        self.dossier._octopus_responsible_users().write({"lang": "nl_BE", "tz": "Europe/Brussels"})
        self.sandbox.state.lock(DEMO_DOSSIER_ID)
        invoice = self._move()
        self.env["octopus.booking"]._push_due(with_commit=False)
        booking = self._booking(invoice)
        self.assertEqual(booking.state, "waiting")
        self.assertIn("door een andere gebruiker", booking.message, "written in Dutch by the background job")
        brussels = booking.next_try.replace(tzinfo=timezone.utc).astimezone(ZoneInfo("Europe/Brussels"))
        local = brussels.strftime("%d-%m-%Y %H:%M")  # nl_BE dates, as Odoo shows them to the reader
        self.assertIn(local, booking.message, "the next try in the users' time zone")
        self.assertIn("door een andere gebruiker", str(self.dossier.activity_ids[:1].note))

    def test_sync_and_mapping_check_leave_a_note_on_the_dossier(self):
        before = self.dossier.message_ids
        self.dossier.action_sync_bookyears()
        self.dossier.action_check_mapping()
        notes = (self.dossier.message_ids - before).mapped("body")
        self.assertTrue(any("VAT codes read" in str(body) for body in notes), notes)
        self.assertEqual(len(notes), 2, "one note for the sync, one for the mapping check")

    def test_monitor_send_now_queues_without_calling_octopus(self):
        self.sandbox.state.lock(DEMO_DOSSIER_ID)
        first, second = self._move(), self._move()
        self._push()
        self.sandbox.state.unlock(DEMO_DOSSIER_ID)
        bookings = (first | second).octopus_booking_ids
        self.assertEqual(set(bookings.mapped("state")), {"waiting"})
        domain = ast.literal_eval(self.env.ref("account_octopus.action_octopus_monitor").domain)
        monitor = self.env["octopus.booking"].with_user(self.clerk).search(domain)
        self.assertEqual(monitor & bookings, bookings, "the monitor lists them")
        with self.assertRaises(AccessError):
            bookings.with_user(self.clerk).action_octopus_send()
        calls = self._calls(POST_BOOKING)
        with self.capture_triggers("account_octopus.ir_cron_octopus_push") as triggers:
            action = bookings.action_octopus_send()
        self.assertEqual(self._calls(POST_BOOKING), calls, "no Octopus call inside the user's request")
        self.assertTrue(triggers.records, "the background job is woken up")
        self.assertIn("2 invoices queued", self._notification(action)[1])
        self.assertEqual(set(bookings.mapped("state")), {"to_send"})
        self._push()
        self.assertEqual([first.octopus_state, second.octopus_state], ["sent", "sent"])

    def test_retry_toast_names_the_invoice(self):
        self.sandbox.state.lock(DEMO_DOSSIER_ID)
        invoice = self._move()
        self._push()
        kind, message = self._notification(invoice.action_octopus_retry())
        self.assertEqual(kind, "success")
        self.assertIn(f"{invoice.name} queued", message)

    def test_sent_invoice_shows_one_reset_to_draft(self):
        invoice = self._move()
        self._push()
        self.assertEqual(invoice.octopus_state, "sent")
        self.assertFalse(invoice.show_reset_to_draft_button, "only the Octopus manager's reset shows")

    def test_tax_vat_code_is_a_choice_among_the_dossier_codes(self):
        code = self.dossier.vat_code_ids.filtered(lambda c: c.vat_type == "2")[-1:]
        self.assertTrue(code)
        self.tax_sale_21.octopus_vat_code_id = code
        self.assertEqual(self.tax_sale_21.octopus_vat_code, code.code, "the push reads the chosen code")
        self.tax_sale_21.invalidate_recordset()
        self.assertEqual(self.tax_sale_21.octopus_vat_code_id, code)

    def test_state_changes_are_announced_to_open_invoice_forms(self):
        """What octopus_move_refresh.js listens to: the move ids on the invoicing users' channel."""
        invoice = self._move()
        self._push()
        channel = json_dump(channel_with_db(self.env.cr.dbname, self.env.ref("account.group_account_invoice")))
        pending = self.env.cr.precommit.data.get("bus.bus.values", [])  # written to bus.bus at commit
        messages = [json.loads(n["message"]) for n in pending if n["channel"] == channel]
        announced = [
            mid for m in messages if m["type"] == "account_octopus/move_state" for mid in m["payload"]["move_ids"]
        ]
        self.assertIn(invoice.id, announced)
