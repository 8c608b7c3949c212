from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import DEMO_PASSWORD, DEMO_SOFTWARE_HOUSE_UUID, DEMO_USER, OctopusCommon

MASTER_DATA = (
    "octopus.dossier",
    "octopus.bookyear",
    "octopus.bookyear.period",
    "octopus.journal",
    "octopus.journal.year",
    "octopus.account",
    "octopus.vat.code",
)


@tagged("post_install", "-at_install")
class TestSecurity(OctopusCommon):
    """Each company sees its own Octopus set-up only; credentials stay with Octopus managers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._link_company()
        cls.company_b = cls.setup_other_company(name="Company B")["company"]
        groups = "account.group_account_invoice"
        cls.user_a = new_test_user(
            cls.env, login="octopus_user_a", groups=groups, company_id=cls.company.id, company_ids=[cls.company.id]
        )
        cls.user_b = new_test_user(
            cls.env, login="octopus_user_b", groups=groups, company_id=cls.company_b.id, company_ids=[cls.company_b.id]
        )
        cls.manager_b = new_test_user(
            cls.env,
            login="octopus_manager_b",
            groups="account.group_account_manager",
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )
        sale = cls.company_data["default_journal_sale"]
        sale.octopus_journal_id = cls.dossier.journal_ids.filtered(lambda j: j.key == "V1")

    def _records(self, model):
        return self.env[model].search([("company_id", "=", self.company.id)])

    def test_company_a_user_reads_its_set_up(self):
        for model in MASTER_DATA:
            with self.subTest(model=model):
                records = self._records(model)
                self.assertTrue(records)
                records.with_user(self.user_a).read(["display_name"])
                self.assertEqual(self.env[model].with_user(self.user_a).search([]), records)

    def test_company_b_user_sees_nothing_of_company_a(self):
        for user in (self.user_b, self.manager_b):
            for model in MASTER_DATA:
                with self.subTest(user=user.login, model=model):
                    records = self._records(model)
                    self.assertFalse(self.env[model].with_user(user).search([]))
                    with self.assertRaises(AccessError):
                        records.with_user(user).read(["display_name"])

    def test_company_b_user_cannot_read_company_a_mappings(self):
        sale = self.company_data["default_journal_sale"].with_user(self.user_b)
        with self.assertRaises(AccessError):
            sale.read(["octopus_journal_id"])
        self.assertFalse(
            self.env["account.journal"].with_user(self.user_b).search([("octopus_journal_id", "!=", False)])
        )

    def test_connections_of_a_company_stay_in_it(self):
        own_a = self.env["octopus.connection"].create(
            {
                "name": "Company A only",
                "url": self.sandbox.url,
                "user": DEMO_USER,
                "password_input": DEMO_PASSWORD,
                "software_house_uuid": DEMO_SOFTWARE_HOUSE_UUID,
                "company_id": self.company.id,
            }
        )
        visible_b = self.env["octopus.connection"].with_user(self.manager_b).with_context(active_test=False).search([])
        self.assertIn(self.connection, visible_b, "a shared connection serves every company")
        self.assertNotIn(own_a, visible_b)
        with self.assertRaises(AccessError):
            own_a.with_user(self.manager_b).read(["name"])

    def test_non_manager_cannot_read_the_password(self):
        with self.assertRaises(AccessError):
            self.connection.with_user(self.user_a).read(["password"])
        with self.assertRaises(AccessError):
            self.connection.with_user(self.user_a).read(["software_house_uuid"])
        with self.assertRaises(AccessError):
            self.dossier.with_user(self.user_a).read(["dossier_token"])

    def test_non_manager_cannot_link_or_unlink(self):
        self.company_b.vat = self.company.vat
        user_b = self.user_b.with_context(allowed_company_ids=[self.company_b.id])
        with self.assertRaises(AccessError):
            self.company_b.with_user(user_b).action_octopus_link_dossier()
        self.assertNotIn("GET /dossiers", self.sandbox.state.call_counts, "refused before calling Octopus")
        with self.assertRaises(AccessError):
            self.dossier.with_user(self.user_a).action_unlink_company()
