import socket

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import DEMO_PASSWORD, OctopusCommon


def closed_port():
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@tagged("post_install", "-at_install")
class TestConnection(OctopusCommon):
    """An accountant enters the Octopus login and presses "Test connection"."""

    def test_new_connection_is_inactive_until_sign_in_succeeds(self):
        self.assertFalse(self.connection.active)
        self.assertEqual(self.connection.state, "draft")

        kind, message = self._notification(self.connection.action_test_connection())

        self.assertEqual(kind, "success")
        self.assertIn("demo@B12345", message)
        self.assertTrue(self.connection.active)
        self.assertEqual(self.connection.state, "ok")
        self.assertTrue(self.connection.last_test_date)
        self.assertEqual(self.sandbox.state.call_counts.get("POST /authentication"), 1)

    def test_cannot_activate_without_a_successful_test(self):
        with self.assertRaises(UserError):
            self.connection.action_unarchive()
        self.assertFalse(self.connection.active)

    def test_wrong_password_says_so_and_stays_inactive(self):
        self.connection.password_input = "not the password"

        kind, message = self._notification(self.connection.action_test_connection())

        self.assertEqual(kind, "danger")
        self.assertIn("refused the sign-in", message)
        self.assertIn("password", message)
        self.assertNotIn("not the password", message)
        self.assertEqual(self.connection.state, "error")
        self.assertEqual(self.connection.last_test_message, message)
        self.assertFalse(self.connection.active)

    def test_wrong_software_house_id(self):
        self.connection.software_house_uuid = "11111111-2222-4333-8444-555555555555"

        kind, message = self._notification(self.connection.action_test_connection())

        self.assertEqual(kind, "danger")
        self.assertIn("software house id", message)
        self.assertFalse(self.connection.active)

    def test_malformed_software_house_id_is_refused_before_any_call(self):
        with self.assertRaisesRegex(ValidationError, "not valid"):
            self.connection.software_house_uuid = "B12345"
        self.assertEqual(self.sandbox.state.call_counts, {})

    def test_unreachable_url(self):
        self.connection.url = f"http://127.0.0.1:{closed_port()}/octopus-rest-api/v1"

        kind, message = self._notification(self.connection.action_test_connection())

        self.assertEqual(kind, "danger")
        self.assertIn("cannot be reached", message)
        self.assertIn(self.connection.url, message)
        self.assertEqual(self.connection.state, "error")
        self.assertFalse(self.connection.active)

    def test_url_must_be_a_web_address(self):
        with self.assertRaises(ValidationError):
            self.connection.url = "service.inaras.be"

    def test_password_only_travels_encrypted(self):
        with self.assertRaisesRegex(ValidationError, "not encrypted"):
            self.connection.url = "http://service.inaras.be/octopus-rest-api/v1"
        with self.assertRaisesRegex(ValidationError, "not encrypted"):
            self.connection.url = "http://10.0.0.5:8099/octopus-rest-api/v1"
        for url in (
            "https://service.inaras.be/octopus-rest-api/v1",
            "http://localhost:8099/octopus-rest-api/v1",
            "http://127.0.0.1:8099/octopus-rest-api/v1",
        ):
            self.connection.url = url
            self.assertEqual(self.connection.url, url)

    def test_changing_credentials_asks_for_a_new_test(self):
        self.connection.action_test_connection()
        self.assertTrue(self.connection.active)
        self.assertTrue(self.connection.sudo().user_token)

        self.connection.user = "other@B12345"

        self.assertFalse(self.connection.active)
        self.assertEqual(self.connection.state, "draft")
        self.assertFalse(self.connection.sudo().user_token, "old tokens belong to the old login")

    def test_token_is_stored_and_reused(self):
        self.connection.action_test_connection()
        client = self.connection._get_client()
        client.list_dossiers()
        client.list_dossiers()
        # One sign-in by the test, none more: the token came from the database.
        self.assertEqual(self.sandbox.state.call_counts.get("POST /authentication"), 1)


@tagged("post_install", "-at_install")
class TestConnectionSecrets(OctopusCommon):
    """The password never leaves the server once saved, and only managers touch credentials."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoicing_user = cls._invoicing_user("octopus_invoicer")
        cls.manager = new_test_user(
            cls.env,
            login="octopus_manager",
            groups="account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )

    def test_non_manager_cannot_read_credentials(self):
        connection = self.connection.with_user(self.invoicing_user)
        self.assertEqual(connection.name, "Octopus sandbox")
        for field in ("password", "software_house_uuid", "password_input", "user_token"):
            with self.assertRaises(AccessError):
                connection.read([field])

    def test_non_manager_cannot_change_the_connection(self):
        with self.assertRaises(AccessError):
            self.connection.with_user(self.invoicing_user).write({"name": "mine"})

    def test_manager_sets_but_never_reads_back_the_password(self):
        connection = self.connection.with_user(self.manager)
        with self.assertRaises(AccessError):
            connection.read(["password"])

        result = connection.web_save(
            {"password_input": "new secret"}, {"password_input": {}, "password_set": {}, "software_house_uuid": {}}
        )

        self.assertEqual(result[0]["password_input"], False)
        self.assertTrue(result[0]["password_set"])
        self.assertEqual(self.connection.sudo().password, "new secret")
        form = connection.web_read({"password_input": {}})
        self.assertEqual(form[0]["password_input"], False)

    def test_password_is_not_tracked(self):
        self.env.flush_all()
        self.env.cr.precommit.run()  # what the set-up left pending (a creation is never tracked)
        connection = self.connection.with_context(tracking_disable=False, mail_notrack=False)
        connection.write({"name": "Renamed sandbox", "password_input": "changed secret"})
        self.env.flush_all()
        self.env.cr.precommit.run()
        messages = self.env["mail.message"].search(
            [("model", "=", "octopus.connection"), ("res_id", "=", self.connection.id)]
        )
        tracked = messages.tracking_value_ids
        self.assertIn("Renamed sandbox", tracked.mapped("new_value_char"), "tracking works here")
        texts = " ".join(
            messages.mapped(lambda m: str(m.body)) + tracked.mapped(lambda t: f"{t.old_value_char} {t.new_value_char}")
        )
        self.assertNotIn("changed secret", texts)
        self.assertNotIn(DEMO_PASSWORD, texts)

    def test_form_never_shows_the_saved_password(self):
        with Form(self.connection.with_user(self.manager)) as form:
            self.assertFalse(form.password_input)
            self.assertTrue(form.password_set)
            form.password_input = "typed in the form"
        self.assertEqual(self.connection.sudo().password, "typed in the form")
        self.assertFalse(Form(self.connection.with_user(self.manager)).password_input)
