from datetime import date
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.account_octopus.models.octopus_push_run import Budget

from .common import FakeClock, OctopusCommon, limits

ZONNEVELD_VAT = "BE0403019261"  # dossier 1002
EVENTS_VAT = "BE0897223670"  # dossier 1003
JARDINS = 1005  # "ACP Les Jardins de la Meuse": no Odoo company has its VAT number


@tagged("post_install", "-at_install")
class TestLinkCompanies(OctopusCommon):
    """A syndic brings many associations in at once, from the connection, whatever company is active."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.zonneveld = cls.setup_other_company(name="VME Residentie Zonneveld", vat=ZONNEVELD_VAT)["company"]
        cls.events = cls.setup_other_company(name="Events & Tickets BV", vat=EVENTS_VAT)["company"]

    def setUp(self):
        super().setUp()
        self.connection.action_test_connection()

    def _wizard(self, env=None):
        action = self.connection.with_env(env or self.env).action_link_companies()
        return self.env["octopus.link.companies"].browse(action["res_id"])

    def _line(self, wizard, key):
        return wizard.line_ids.filtered(lambda line: line.octopus_key == key)

    # -- one company, whatever company is active ------------------------------------------------

    def test_link_a_company_that_is_not_the_active_one(self):
        # The web client sends the active company only: Demo BV is active, Zonneveld is linked.
        web_client = self.zonneveld.with_context(allowed_company_ids=[self.company.id])

        kind, message = self._notification(web_client.action_octopus_link_dossier())

        self.assertEqual(kind, "success")
        self.assertIn("VME Residentie Zonneveld", message)
        dossier = self.zonneveld.octopus_dossier_id
        self.assertEqual(dossier.octopus_key, 1002)
        self.assertIn("is now linked", dossier.message_ids[:1].body)
        [form] = web_client.web_read({"octopus_dossier_id": {"fields": {"display_name": {}}}})
        self.assertEqual(form["octopus_dossier_id"]["id"], dossier.id, "the company form shows its dossier")

        action = web_client.action_octopus_sync_bookyears()

        self.assertTrue(action["params"]["sticky"], "what the button did stays on screen")
        self.assertEqual(action["params"]["message"], "2 bookyears, 6 journals, 38 accounts, 11 VAT codes read.")
        self.assertEqual(
            dossier.message_ids[:1].body, "<p>2 bookyears, 6 journals, 38 accounts, 11 VAT codes read.</p>"
        )
        self.assertIn(self.zonneveld.id, web_client.action_octopus_open_dossier()["context"]["allowed_company_ids"])

    def test_dossier_buttons_work_for_a_company_that_is_not_active(self):
        self.zonneveld.action_octopus_link_dossier()
        dossier = self.zonneveld.octopus_dossier_id.with_context(
            allowed_company_ids=[self.zonneveld.id, self.company.id]
        )
        # the dossier form opened from the portfolio, then Demo BV chosen as the only active company
        dossier.action_sync_bookyears()
        kind, _message = self._notification(
            dossier.with_context(allowed_company_ids=[self.zonneveld.id]).action_check_mapping()
        )
        self.assertEqual(kind, "warning", "nothing is mapped yet")

    # -- Link companies ------------------------------------------------------------------------

    def test_link_companies_lists_every_dossier_next_to_its_company(self):
        wizard = self._wizard()

        self.assertEqual(sorted(wizard.line_ids.mapped("octopus_key")), [1001, 1002, 1003, 1004, 1005])
        self.assertEqual(self._line(wizard, 1001).company_id, self.company)
        self.assertEqual(self._line(wizard, 1002).company_id, self.zonneveld)
        self.assertEqual(self._line(wizard, 1003).company_id, self.events)
        self.assertFalse(self._line(wizard, JARDINS).company_id)
        self.assertEqual(self._line(wizard, 1002).decision, "link", "a company with the same VAT: chosen")
        self.assertEqual(self._line(wizard, JARDINS).decision, "skip", "no company: the user decides")

    def test_three_companies_linked_in_one_action(self):
        wizard = self._wizard(self.env(context={"allowed_company_ids": [self.company.id]}))

        kind, message = self._notification(wizard.with_context(allowed_company_ids=[self.company.id]).action_link())

        self.assertEqual(kind, "success")
        for company, key in ((self.company, 1001), (self.zonneveld, 1002), (self.events, 1003)):
            dossier = company.octopus_dossier_id
            self.assertEqual(dossier.octopus_key, key)
            self.assertTrue(dossier.last_sync_date, "synchronised at once: three fit in one batch")
            self.assertEqual(len(dossier.journal_ids), 6)
            self.assertFalse(dossier.first_sync_pending)
        self.assertIn("3 companies linked", message)

    def test_company_created_from_its_dossier_is_ready_to_post(self):
        wizard = self._wizard()
        wizard.line_ids.write({"decision": "skip"})
        self._line(wizard, JARDINS).decision = "create"

        wizard.action_link()

        company = self.env["res.company"].search([("name", "=", "ACP Les Jardins de la Meuse")])
        self.assertEqual(company.vat, "BE0812345603")
        self.assertEqual((company.street, company.zip, company.city), ("Quai de Meuse 7", "5000", "Namur"))
        self.assertEqual(company.country_id.code, "BE")
        self.assertEqual(company.chart_template, "be_comp")
        self.assertIn(company, self.env.user.company_ids, "the user may work in it at once")
        if self.env["res.lang"].search([("code", "in", ("fr_BE", "fr_FR"))]):
            self.assertTrue(company.partner_id.lang.startswith("fr"))
        dossier = company.octopus_dossier_id
        self.assertEqual(dossier.octopus_key, JARDINS)
        self.assertTrue(dossier.last_sync_date)

        company = company.with_company(company)
        journal = (
            self.env["account.journal"]
            .with_company(company)
            .search([("company_id", "=", company.id), ("type", "=", "sale")], limit=1)
        )
        tax = (
            self.env["account.tax"]
            .with_company(company)
            .search([("company_id", "=", company.id), ("type_tax_use", "=", "sale"), ("amount", "=", 21)], limit=1)
        )
        partner = self.env["res.partner"].create({"name": "Mede-eigenaar Dupont"})
        invoice = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "journal_id": journal.id,
                    "invoice_date": date(2026, 3, 1),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Provisie werkkapitaal",
                                "quantity": 1,
                                "price_unit": 500.0,
                                "tax_ids": [Command.set(tax.ids)],
                            }
                        )
                    ],
                }
            )
        )
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_total, 605.0)

    def test_what_does_not_fit_today_follows_tomorrow(self):
        # Zonneveld's VAT codes were already read twice today (e.g. linked, unlinked, linked again)
        for _call in range(2):
            self.env["octopus.call.counter"]._count_call(self.connection.id, "GET /vatcodes", 1002)
        cron = self.env.ref("account_octopus.ir_cron_octopus_first_sync")
        triggers = self.env["ir.cron.trigger"].sudo()
        before = triggers.search([("cron_id", "=", cron.id)])
        wizard = self._wizard()

        kind, message = self._notification(wizard.action_link())

        self.assertEqual(kind, "success")
        self.assertTrue(self.company.octopus_dossier_id.last_sync_date)
        zonneveld = self.zonneveld.octopus_dossier_id
        self.assertFalse(zonneveld.last_sync_date, "not started: it would stop half-way")
        self.assertTrue(zonneveld.first_sync_pending)
        self.assertIn("wait for tomorrow", message)
        self.assertIn(zonneveld.display_name, message)
        at = (triggers.search([("cron_id", "=", cron.id)]) - before).mapped("call_at")
        self.assertTrue(any(call_at.date() > fields.Date.today() for call_at in at), at)

        # the next day, the scheduled job does it
        self.env["octopus.call.counter"].sudo().search([]).unlink()
        self.env["octopus.dossier"]._cron_octopus_first_sync()
        self.assertTrue(zonneveld.last_sync_date)
        self.assertFalse(zonneveld.first_sync_pending)

    def test_many_dossiers_are_synchronised_within_the_jobs_budget(self):
        wizard = self._wizard()
        wizard.line_ids.write({"decision": "skip"})
        (self._line(wizard, 1004) | self._line(wizard, 1005)).write({"decision": "create"})
        (self._line(wizard, 1001) | self._line(wizard, 1002) | self._line(wizard, 1003)).write({"decision": "link"})
        self.patch(type(self.env["octopus.dossier"]), "_sync_batch_size", lambda self: 2)

        _kind, message = self._notification(wizard.action_link())

        dossiers = self.env["octopus.dossier"].search([("connection_id", "=", self.connection.id)])
        self.assertEqual(len(dossiers), 5)
        self.assertEqual(len(dossiers.filtered("last_sync_date")), 2)
        self.assertIn("3 more follow in the background", message)

        # The scheduled job within its time budget (issue 19): each synchronisation takes 30 s of the
        # 49 s budget (120 s × 0.7 − 35 s), so a run does two and triggers a fresh run for the third
        # instead of asking Odoo's runner for another lap of the same cycle.
        cron = self.env.ref("account_octopus.ir_cron_octopus_first_sync")
        triggers = self.env["ir.cron.trigger"].sudo()
        for synchronised, fresh_run in ((4, True), (5, False)):
            progress = self.env["ir.cron.progress"].sudo().create({"cron_id": cron.id})
            before = triggers.search([("cron_id", "=", cron.id)])
            with limits(), patch.object(Budget, "clock", staticmethod(FakeClock(30))):
                self.env["octopus.dossier"].with_context(
                    cron_id=cron.id, ir_cron_progress_id=progress.id
                )._cron_octopus_first_sync()
            self.assertEqual(len(dossiers.filtered("last_sync_date")), synchronised)
            self.assertEqual(progress.remaining, 0, "no second lap in the same cycle")
            self.assertEqual(bool(triggers.search([("cron_id", "=", cron.id)]) - before), fresh_run)
        self.assertFalse(dossiers.filtered("first_sync_pending"))
