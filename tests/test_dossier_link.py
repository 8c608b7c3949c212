from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import DEMO_DOSSIER_ID, DEMO_PASSWORD, DEMO_SOFTWARE_HOUSE_UUID, DEMO_USER, OctopusCommon, demo_seed

OTHER_VALID_VAT = "BE0400000086"  # valid check digits, no demo dossier has it


@tagged("post_install", "-at_install")
class TestDossierLink(OctopusCommon):
    """An accountant presses "Link with Octopus" on the company: the dossier is found by VAT number."""

    def setUp(self):
        super().setUp()
        self.connection.action_test_connection()  # the sandbox was reset: a fresh sign-in

    def _same_vat_seed(self, dossier_id=1003):
        """The demo seed where another dossier carries the demo company's VAT number too."""
        seed = demo_seed()
        other = next(d for d in seed["dossiers"] if d["id"] == dossier_id)
        other["vatNr"] = self.demo_dossier_seed["vatNr"]
        return seed

    def test_one_match_links_at_once(self):
        self.assertFalse(self.company.octopus_dossier_id)

        kind, message = self._notification(self.company.action_octopus_link_dossier())

        dossier = self.company.octopus_dossier_id
        self.assertEqual(kind, "success")
        self.assertEqual(dossier.octopus_key, DEMO_DOSSIER_ID)
        self.assertEqual(dossier.name, "Demo BV")
        self.assertEqual(dossier.connection_id, self.connection)
        self.assertIn("Demo BV", message)
        self.assertEqual(self.sandbox.state.call_counts.get("GET /dossiers"), 1)

    def test_vat_in_odd_formats_finds_the_same_dossier(self):
        # Odoo keeps "0477472701" as typed for a Belgian company; Octopus may store spaces or lower case.
        for company_vat, octopus_vat in [
            ("BE 0477.472.701", "BE0477.472.701"),
            ("be0477472701", "BE 0477 472 701"),
            ("0477472701", "be0477.472.701"),
            ("BE0477472701", "0477472701"),
        ]:
            with self.subTest(company_vat=company_vat, octopus_vat=octopus_vat):
                self.sandbox.state.dossiers[DEMO_DOSSIER_ID].info["vatNr"] = octopus_vat
                self.company.vat = company_vat
                self.company.action_octopus_link_dossier()
                self.assertEqual(self.company.octopus_dossier_id.octopus_key, DEMO_DOSSIER_ID)
                self.company.octopus_dossier_id.action_unlink_company()

    def test_no_match_names_the_vat_searched(self):
        self.company.vat = OTHER_VALID_VAT

        kind, message = self._notification(self.company.action_octopus_link_dossier())

        self.assertEqual(kind, "warning")
        self.assertIn("BE0400.000.086", message)
        self.assertIn(self.connection.name, message)
        self.assertFalse(self.company.octopus_dossier_id)

    def test_several_matches_let_the_user_choose(self):
        self.sandbox.state.reset(seed=self._same_vat_seed())

        action = self.company.action_octopus_link_dossier()

        self.assertEqual(action["res_model"], "octopus.link.wizard")
        self.assertFalse(self.company.octopus_dossier_id, "nothing is linked before the user chooses")
        wizard = self.env["octopus.link.wizard"].browse(action["res_id"])
        self.assertEqual(sorted(wizard.line_ids.mapped("octopus_key")), [1001, 1003])
        chosen = wizard.line_ids.filtered(lambda line: line.octopus_key == 1003)
        chosen.action_link()
        self.assertEqual(self.company.octopus_dossier_id.octopus_key, 1003)
        self.assertEqual(self.company.octopus_dossier_id.name, "Events & Tickets BV")

    def test_several_connections_are_searched_and_offered(self):
        second = self.connection.copy(
            {"name": "Second login", "password_input": DEMO_PASSWORD, "software_house_uuid": DEMO_SOFTWARE_HOUSE_UUID}
        )
        second.action_test_connection()

        action = self.company.action_octopus_link_dossier()

        wizard = self.env["octopus.link.wizard"].browse(action["res_id"])
        self.assertEqual(wizard.line_ids.connection_id, self.connection | second)
        wizard.line_ids.filtered(lambda line: line.connection_id == second).action_link()
        self.assertEqual(self.company.octopus_dossier_id.connection_id, second)

    def test_company_connection_comes_before_shared_ones(self):
        own = self.env["octopus.connection"].create(
            {
                "name": "Own login",
                "url": self.sandbox.url,
                "user": DEMO_USER,
                "password_input": DEMO_PASSWORD,
                "software_house_uuid": DEMO_SOFTWARE_HOUSE_UUID,
                "company_id": self.company.id,
            }
        )
        own.action_test_connection()

        self.company.action_octopus_link_dossier()

        self.assertEqual(self.company.octopus_dossier_id.connection_id, own)

    def test_link_from_the_connection_form(self):
        self.assertFalse(self.connection.current_company_linked)

        self.connection.action_link_company()

        self.assertEqual(self.company.octopus_dossier_id.connection_id, self.connection)
        self.connection.invalidate_recordset(["current_company_linked"])
        self.assertTrue(self.connection.current_company_linked)

    def test_company_without_vat_is_told_before_any_search(self):
        self.company.vat = False
        with self.assertRaisesRegex(UserError, "has no VAT number"):
            self.company.action_octopus_link_dossier()
        self.assertNotIn("GET /dossiers", self.sandbox.state.call_counts)

    def test_invalid_vat_is_told_before_any_search(self):
        for vat in ("BE0477472702", "BE12", "not a number"):
            with self.subTest(vat=vat):
                self.company.with_context(no_vat_validation=True).vat = vat
                with self.assertRaisesRegex(UserError, "is not a valid VAT number"):
                    self.company.action_octopus_link_dossier()
        self.assertNotIn("GET /dossiers", self.sandbox.state.call_counts)

    def test_no_active_connection(self):
        self.connection.action_archive()
        with self.assertRaisesRegex(UserError, "no active Octopus connection"):
            self.company.action_octopus_link_dossier()

    def test_octopus_error_while_searching(self):
        self.sandbox.state.inject_fault("5xx", count=3, path="/dossiers")
        with self.assertRaisesRegex(UserError, "cannot be reached"):
            self.company.action_octopus_link_dossier()
        self.assertFalse(self.company.octopus_dossier_id)

    def test_unlink_and_link_again(self):
        self.company.action_octopus_link_dossier()
        dossier = self.company.octopus_dossier_id

        kind, _message = self._notification(dossier.action_unlink_company())

        self.assertEqual(kind, "success")
        self.assertFalse(dossier.exists())
        self.company.invalidate_recordset(["octopus_dossier_ids"])
        self.assertFalse(self.company.octopus_dossier_id)
        self.company.action_octopus_link_dossier()
        self.assertEqual(self.company.octopus_dossier_id.octopus_key, DEMO_DOSSIER_ID)

    def test_a_linked_company_is_not_linked_twice(self):
        self.company.action_octopus_link_dossier()
        with self.assertRaisesRegex(UserError, "already linked"):
            self.company.action_octopus_link_dossier()

    def test_a_dossier_belongs_to_one_company(self):
        self.company.action_octopus_link_dossier()
        other = self.setup_other_company(name="Demo BV copy")["company"]
        other.vat = self.company.vat
        self.env.user.company_ids |= other

        with self.assertRaisesRegex(UserError, "already linked to %s" % self.company.name):
            other.action_octopus_link_dossier()
        self.assertFalse(other.octopus_dossier_id)

    def test_link_from_the_accounting_settings(self):
        settings = Form(self.env["res.config.settings"])
        self.assertFalse(settings.octopus_dossier_id)
        settings.octopus_check_at_post = True
        record = settings.save()
        self.assertTrue(self.company.octopus_check_at_post)

        record.action_octopus_link_dossier()

        self.assertEqual(Form(self.env["res.config.settings"]).octopus_dossier_id, self.company.octopus_dossier_id)
        self.assertEqual(record.action_octopus_open_connections()["res_model"], "octopus.connection")
