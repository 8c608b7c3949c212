"""The onboarding path in a real browser (headless Chromium): link, synchronise, map, invoice, sent.

The tours are in static/tests/tours/account_octopus_tour.js. Each part starts on its own page and
the test checks the database between the parts, so a failure says which step of the path broke.
The browser talks to Odoo's test HTTP server (pytest-odoo's --odoo-http, passed by dev/test); Odoo
talks to the Octopus sandbox this class starts on 127.0.0.1.
"""

import logging
import threading
import unittest
from contextlib import contextmanager
from datetime import date
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import HttpCase, tagged
from odoo.tests.common import _find_executable

from odoo.addons.bus.websocket import WebsocketConnectionHandler

from .common import DEMO_DOSSIER_ID, OctopusCommon, demo_seed

_logger = logging.getLogger(__name__)

# What the tours write on the browser console once the screen shows "To send"
# (static/tests/tours/account_octopus_tour.js): the background job may run.
FORM_WAITS = "account_octopus tour: the invoice form waits for the background job"
MONITOR_WAITS = "account_octopus tour: the monitor waits for the background job"


def seed_for_this_year():
    """The demo seed, with the demo dossier's open bookyear moved to the current year if needed.

    The tour's invoice is dated today (Odoo's default), so an open bookyear must cover today
    whatever year the test runs in.
    """
    seed = demo_seed()
    today = date.today().isoformat()
    for dossier in seed["dossiers"]:
        years = dossier["bookyears"]
        if any(year["start"] <= today <= year["end"] and not year.get("closed") for year in years):
            continue
        open_year = next(year for year in years if not year.get("closed"))
        this_year = date.today().year
        open_year.update(description=str(this_year), start=f"{this_year}-01-01", end=f"{this_year}-12-31")
        open_year.pop("periods", None)
        for year in years:
            if year is not open_year and year["start"] >= open_year["start"]:
                # keep bookyears apart: an older closed year stays before the open one
                year.update(
                    description=str(this_year - 1), start=f"{this_year - 1}-01-01", end=f"{this_year - 1}-12-31"
                )
                year.pop("periods", None)
    return seed


@tagged("post_install", "-at_install")
class TestOnboardingTour(OctopusCommon, HttpCase):
    """What a new user does in the browser, from the connection to a first invoice sent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seed = seed_for_this_year()  # setUp resets the sandbox to cls.seed
        cls.sale_journal = cls.company_data["default_journal_sale"]
        cls.sale_journal.name = "Customer Invoices"
        cls.env["res.partner"].create(
            {
                "name": "Bakkerij Peeters",
                "is_company": True,
                "vat": "BE0412345614",
                "country_id": cls.env.ref("base.be").id,
                "street": "Veldstraat 12",
                "zip": "9000",
                "city": "Gent",
            }
        )
        # What the tour sells: 100 EUR + 21% VAT, on the sales account 700000 (the chart's default).
        cls.env["product.product"].create(
            {
                "name": "Sourdough bread",
                "list_price": 100.0,
                "company_id": cls.company.id,
                "taxes_id": [Command.set(cls.env.ref(f"account.{cls.company.id}_attn_VAT-OUT-21-L").ids)],
                "property_account_income_id": cls.company_data["default_account_revenue"].id,
            }
        )

    def _tour(self, url, name, timeout=120):
        """Run one tour as the accountant; a missing browser fails the test instead of skipping it."""
        try:
            _find_executable()
            self.start_tour(url, name, login=self.env.user.login, timeout=timeout)
        except unittest.SkipTest as exc:
            self.fail(
                f"The browser test could not start a headless Chrome/Chromium ({exc}). "
                "Install Debian's chromium package (dev/test does it when run as root)."
            )
        self.env.invalidate_all()

    @contextmanager
    def _background_job(self, console_line):
        """The push job as Odoo's cron worker runs it, in a thread and a transaction of its own, once
        the tour says on the console (`console_line`) that its screen waits for it.

        Its commit announces the new state on Odoo's bus as in production: the bus rows, then
        NOTIFY imbus, which the websocket server relays to the browser. The test cursor's commit
        skips post-commit hooks, so the job runs them. The browser's websocket is allowed, as in
        Odoo's own WebsocketCase (its test runner refuses websockets by default).
        """
        self.startPatcher(patch.object(WebsocketConnectionHandler, "websocket_allowed", return_value=True))
        screen_waits, cancelled, failures = threading.Event(), threading.Event(), []

        class ConsoleListener(logging.Handler):
            def emit(self, record):
                if console_line in record.getMessage():
                    screen_waits.set()

        def job():
            screen_waits.wait()
            if cancelled.is_set():
                return
            try:
                with self.registry.cursor() as cr:
                    cron = api.Environment(cr, SUPERUSER_ID, {}).ref("account_octopus.ir_cron_octopus_push")
                    env = api.Environment(cr, cron.user_id.id, {"cron_id": cron.id})
                    env["octopus.booking"]._cron_push()
                    cr.precommit.run()  # the bus rows
                    cr.postcommit.run()  # NOTIFY imbus (the websocket reads the rows once this cursor is closed)
            except Exception as exc:
                _logger.exception("The background push of the tour failed")
                failures.append(exc)

        browser_console = self._logger.getChild("browser")  # where HttpCase logs the browser's console
        listener, level = ConsoleListener(), browser_console.level
        browser_console.addHandler(listener)
        browser_console.setLevel(logging.INFO)  # console.log lines are INFO records
        worker = threading.Thread(target=job, name="octopus tour: background push")
        worker.start()
        try:
            yield
        finally:
            cancelled.set()
            screen_waits.set()
            worker.join(timeout=60)
            browser_console.removeHandler(listener)
            browser_console.setLevel(level)
        self.assertFalse(failures, "the background push failed (log above)")

    def test_onboarding_to_first_invoice_sent(self):
        # 1. Connection → test → link by VAT → dossier → synchronise bookyears.
        self._tour("/odoo/action-account_octopus.action_octopus_connection", "account_octopus_tour_link")
        self.assertEqual(self.connection.state, "ok")
        dossier = self.company.octopus_dossier_id
        self.assertEqual(dossier.octopus_key, DEMO_DOSSIER_ID, "linked by the company's VAT number")
        self.assertTrue(dossier.bookyear_ids, "bookyears synchronised")
        self.assertTrue(
            dossier.bookyear_ids.filtered(lambda year: year.date_start <= date.today() <= year.date_end),
            "today's bookyear is there",
        )

        # 2. The sales journal books into Octopus' V1.
        self._tour("/odoo/action-account.action_account_journal_form", "account_octopus_tour_journal")
        self.assertEqual(self.sale_journal.octopus_journal_id.key, "V1")

        # 3. A customer invoice, posted; the background job sends it while its form stays open, and
        #    the form's Octopus badge turns from To send to Sent without a reload.
        with self._background_job(FORM_WAITS):
            self._tour("/odoo/action-account.action_move_out_invoice_type", "account_octopus_tour_invoice")
        invoice = self.env["account.move"].search(
            [("company_id", "=", self.company.id), ("move_type", "=", "out_invoice")], order="id desc", limit=1
        )
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.octopus_state, "sent", invoice.octopus_message)
        [booking] = self.sandbox.state.bookings(DEMO_DOSSIER_ID)
        self.assertEqual(booking["journalKey"], "V1")
        self.assertEqual(booking["booking"]["reference"], invoice.name)
        self.assertEqual(booking["booking"]["amount"], 121.0)
        self.assertTrue(invoice.octopus_number.endswith(f"/V1/{booking['documentSequenceNr']}"))

        # 4. The ticketing organiser's morning: the night's invoices met a journal open in Octopus.
        self.env.user.notification_type = "email"
        self.sandbox.state.lock(DEMO_DOSSIER_ID)
        night = invoice.copy() | invoice.copy()
        night.action_post()
        self.env["octopus.booking"]._push_due(with_commit=False)
        self.assertEqual(set(night.mapped("octopus_state")), {"waiting"})
        self.sandbox.state.unlock(DEMO_DOSSIER_ID)
        # Send now queues them; the job it wakes up books them while the monitor stays open, and
        # they leave it without a reload.
        with self._background_job(MONITOR_WAITS):
            self._tour("/odoo/action-account_octopus.action_octopus_monitor", "account_octopus_tour_monitor")
        self.assertEqual(set(night.mapped("octopus_state")), {"sent"})
        self.assertEqual(len(self.sandbox.state.bookings(DEMO_DOSSIER_ID)), 3)

    def test_link_companies_screen(self):
        """Link companies: the demo company and an association found by VAT number, and a third one
        created from its dossier, linked in one action from the connection."""
        association = self.setup_other_company(name="Tour association 1002", vat="BE0403019261")["company"]

        # on a busy machine its Link step and the form's reload after it take a minute each (the tour's timeouts)
        self._tour(
            "/odoo/action-account_octopus.action_octopus_connection", "account_octopus_tour_link_companies", timeout=300
        )

        # sudo: what the browser did, read whatever this test's environment still caches of the user's
        # companies (the browser's request gave the user the created company)
        created = self.env["res.company"].sudo().search([("vat", "=", "BE0812345603")])
        self.assertEqual(created.name, "ACP Les Jardins de la Meuse")
        self.assertIn(self.env.user, created.user_ids)
        dossiers = (self.company | association | created).sudo().octopus_dossier_ids
        self.assertEqual(sorted(dossiers.mapped("octopus_key")), [DEMO_DOSSIER_ID, 1002, 1005])
        self.assertTrue(all(dossiers.mapped("last_sync_date")), "synchronised in the same action")
