import logging
import re
from urllib.parse import urlsplit

import requests
from psycopg2.errors import LockNotAvailable

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..octopus import OctopusClient, errors

_logger = logging.getLogger(__name__)

PRODUCTION_URL = "https://service.inaras.be/octopus-rest-api/v1"
UUID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
# Changing one of these means the stored tokens and the last successful test no longer apply.
CREDENTIAL_FIELDS = {"url", "user", "password", "software_house_uuid"}
RELOAD = {"type": "ir.actions.client", "tag": "soft_reload"}
# The password travels with every sign-in: plain http only to this machine (the sandbox, a local proxy).
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


class DatabaseTokenStore:
    """Token store of `OctopusClient` backed by the database, so workers and cron runs share tokens.

    User tokens live on the connection, dossier tokens on the linked ``octopus.dossier``. A dossier
    that is not linked yet (while linking) keeps its token in memory only.
    The token fields are restricted to the system group, so they are read and written with sudo():
    the current user may be any invoicing user whose action needs Octopus.
    """

    def __init__(self, connection):
        self.connection = connection.sudo()
        self._memory = {}

    def _dossier(self, key):
        dossier_key = int(key.split(":", 1)[1])
        return self.connection.env["octopus.dossier"].search(
            [("connection_id", "=", self.connection.id), ("octopus_key", "=", dossier_key)], limit=1
        )

    def get(self, key):
        if key == "user":
            record, token_field = self.connection, "user_token"
        else:
            record, token_field = self._dossier(key), "dossier_token"
        if not record:
            return self._memory.get(key)
        token = record[token_field]
        return (token, record[f"{token_field}_expiry"]) if token else None

    def set(self, key, token, expires_at):
        self._write(key, token, expires_at)

    def delete(self, key):
        self._write(key, False, 0.0)

    def _write(self, key, token, expires_at):
        record, token_field = (
            (self.connection, "user_token") if key == "user" else (self._dossier(key), "dossier_token")
        )
        if not record:
            if token:
                self._memory[key] = (token, expires_at)
            else:
                self._memory.pop(key, None)
            return
        # Written in the caller's transaction: a rolled-back action also forgets its token, which
        # only costs one more sign-in.
        record.write({token_field: token, f"{token_field}_expiry": expires_at})


class OctopusConnection(models.Model):
    """An Octopus login (user + software house id) that can reach one or more dossiers.

    The only model that builds an ``OctopusClient``; every other model asks it for one.
    A property manager uses one connection for all the HOA companies it keeps books for,
    so ``company_id`` is optional (empty = shared by every company).
    """

    _name = "octopus.connection"
    _description = "Octopus connection"
    _inherit = ["mail.thread"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", tracking=True, help="Leave empty to share this connection between companies."
    )
    url = fields.Char(
        string="Service URL",
        required=True,
        default=PRODUCTION_URL,
        tracking=True,
        help="Octopus REST service address; the production service is https://service.inaras.be/octopus-rest-api/v1.",
    )
    user = fields.Char(
        string="Octopus user",
        required=True,
        tracking=True,
        help="The Octopus login with the webservice module, e.g. jdoe@B12345.",
    )
    # The secret itself is readable by nobody but administrators (and the code, with sudo).
    # Octopus managers set it through `password_input`, which is never filled when read:
    # the password does not travel back to any browser once saved.
    password = fields.Char(string="Stored password", groups="base.group_system", copy=False)
    password_input = fields.Char(
        string="Password",
        compute="_compute_password_input",
        readonly=False,
        groups="account_octopus.group_octopus_manager",
        help="Type a new password to replace the stored one. It is never shown again after saving.",
    )
    password_set = fields.Boolean(compute="_compute_password_set", string="Password saved")
    software_house_uuid = fields.Char(
        string="Software house id",
        tracking=True,
        groups="account_octopus.group_octopus_manager",
        copy=False,
        help="The identification Octopus issued to the software house.",
    )
    locale_id = fields.Selection(
        [("0", "Dossier language"), ("1", "Dutch"), ("2", "French"), ("3", "English"), ("4", "German")],
        string="Octopus message language",
        default="0",
    )
    active = fields.Boolean(
        default=False, tracking=True, help="A connection becomes active once 'Test connection' signed in."
    )
    state = fields.Selection(
        [("draft", "Not tested"), ("ok", "Connected"), ("error", "Sign-in failed")],
        default="draft",
        readonly=True,
        tracking=True,
    )
    last_test_message = fields.Char(readonly=True)
    last_test_date = fields.Datetime(readonly=True)
    dossier_ids = fields.One2many("octopus.dossier", "connection_id")
    dossier_count = fields.Integer(compute="_compute_dossier_count")
    # Whether the company the user works in still needs a dossier (drives the notice on the form).
    current_company_linked = fields.Boolean(compute="_compute_current_company_linked")
    # Token cache shared by workers and cron runs (tokens live 10 minutes, connects are limited).
    user_token = fields.Char(groups="base.group_system", copy=False)
    user_token_expiry = fields.Float(groups="base.group_system", copy=False)

    def _compute_password_input(self):
        self.password_input = False

    def _compute_password_set(self):
        # sudo: only says whether a password exists, never what it is.
        for connection in self:
            connection.password_set = bool(connection.sudo().password)

    def _compute_dossier_count(self):
        for connection in self:
            connection.dossier_count = len(connection.dossier_ids)

    @api.depends_context("company")
    def _compute_current_company_linked(self):
        linked = bool(self.env.company.octopus_dossier_id)
        for connection in self:
            connection.current_company_linked = linked

    @api.constrains("url")
    def _check_url(self):
        for connection in self:
            if not re.match(r"^https?://[^/\s]+", connection.url or ""):
                raise ValidationError(
                    self.env._(
                        "The service URL %(url)s is not a web address: it must start with https:// "
                        "(for example %(example)s).",
                        url=connection.url,
                        example=PRODUCTION_URL,
                    )
                )
            parts = urlsplit(connection.url)
            if parts.scheme.lower() != "https" and parts.hostname not in LOOPBACK_HOSTS:
                raise ValidationError(
                    self.env._(
                        "The service URL %(url)s is not encrypted: your Octopus password would travel in clear. "
                        "Use an https:// address (for example %(example)s); plain http:// is only accepted for "
                        "localhost.",
                        url=connection.url,
                        example=PRODUCTION_URL,
                    )
                )

    @api.constrains("software_house_uuid")
    def _check_software_house_uuid(self):
        for connection in self.sudo():
            uuid = connection.software_house_uuid
            if uuid and not UUID_PATTERN.match(uuid.strip()):
                raise ValidationError(
                    self.env._(
                        "The software house id %(uuid)s is not valid: Octopus issues it as a UUID such as "
                        "12345678-abcd-4ef0-9876-0123456789ab.",
                        uuid=uuid,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        passwords = [vals.get("password_input") for vals in vals_list]
        # A new connection (a copy too) proves itself with "Test connection" before it is used.
        vals_list = [
            {**{k: v for k, v in vals.items() if k != "password_input"}, "active": False, "state": "draft"}
            for vals in vals_list
        ]
        connections = super().create(vals_list)
        for connection, password in zip(connections, passwords, strict=True):
            if password:
                connection._store_password(password)
        return connections

    def write(self, vals):
        vals = dict(vals)
        password = vals.pop("password_input", False)
        if vals.get("active") and vals.get("state") != "ok" and self.filtered(lambda c: c.state != "ok"):
            raise UserError(
                self.env._(
                    "A connection becomes active once 'Test connection' signed in to "
                    "Octopus with it: press 'Test connection'."
                )
            )
        if password:
            self._store_password(password)
        if not CREDENTIAL_FIELDS & set(vals):
            return super().write(vals)
        # New credentials must prove themselves again; old tokens belong to the old login.
        res = super().write({"state": "draft", "active": False, **vals})
        self._forget_tokens()
        return res

    def _store_password(self, password):
        """Replace the stored password; `password_input` itself never keeps a value."""
        self.check_access("write")
        # sudo: the secret is restricted to administrators; an Octopus manager (field groups on
        # password_input) may replace it without being able to read it back.
        self.sudo().write({"password": password})

    def _forget_tokens(self):
        # sudo: token fields are system-only; clearing them exposes nothing.
        self.sudo().write({"user_token": False, "user_token_expiry": 0.0})
        self.sudo().dossier_ids.write({"dossier_token": False, "dossier_token_expiry": 0.0})

    # -- the client ---------------------------------------------------------------------------

    def _get_client(self, use_reserve=False, **options):
        """The only place that builds an OctopusClient.

        ``use_reserve`` lets the call guard dip into the calls kept back for read-back checks
        (see ``octopus.call.counter.RESERVE``); only the push's "did my booking land?" checks use it.
        ``options`` go to OctopusClient as they are (e.g. a shorter ``timeout`` while a person waits).
        """
        self.ensure_one()
        # sudo: the credentials are restricted to administrators; they only go to the client.
        secret = self.sudo()
        if not secret.password or not secret.software_house_uuid:
            raise UserError(
                self.env._("The Octopus connection %(name)s has no password or software house id yet.", name=self.name)
            )
        locale = int(self.locale_id or 0)
        counter = self.env["octopus.call.counter"]
        connection_id = self.id

        # Pushes that commit per move count each call in a short transaction of its own: the call is
        # made whatever becomes of the caller's transaction, and parallel cron workers, whose
        # snapshots are older than the counter row they all increment, no longer fail on it with
        # serialization errors (bench/: fault campaign). Elsewhere (buttons, tests) it is counted in
        # the caller's transaction.
        apart = self.env.context.get("octopus_count_apart")

        def call_guard(operation, dossier_id):
            if apart:
                try:
                    with self.env.registry.cursor() as cr:
                        # never wait on a counter row the caller's own transaction holds
                        cr.execute("SET LOCAL lock_timeout = '2s'")
                        counter.with_env(counter.env(cr=cr))._count_call(
                            connection_id, operation, dossier_id, use_reserve=use_reserve
                        )
                    return
                except LockNotAvailable:
                    _logger.info("Octopus call counter busy in another transaction: counted in this one")
            counter._count_call(connection_id, operation, dossier_id, use_reserve=use_reserve)

        return OctopusClient(
            self.url,
            self.user,
            secret.password,
            secret.software_house_uuid.strip(),
            token_store=DatabaseTokenStore(self),
            call_guard=call_guard,
            locale_id=locale or None,
            **options,
        )

    def _error_message(self, exc):
        """What to tell a person about a failed Octopus call, in their language."""
        if isinstance(exc, errors.AuthenticationError):
            return self.env._(
                "Octopus refused the sign-in for %(user)s: check the Octopus user, the password and "
                "the software house id of connection %(name)s.",
                user=self.user,
                name=self.name,
            )
        if isinstance(exc, errors.DossierAccessError):
            return self.env._(
                "Octopus refuses access to the dossier (unknown, disabled, or the user %(user)s has no "
                "access to it): %(detail)s",
                user=self.user,
                detail=exc,
            )
        if isinstance(exc, errors.DailyLimitReached):
            return self.env._("The Octopus daily call limit is reached (%(detail)s). Try again tomorrow.", detail=exc)
        if isinstance(exc, errors.TokenRefused):
            return self.env._(
                "Octopus accepted the sign-in of %(user)s but refused its fresh token at once; Odoo will "
                "try again later.",
                user=self.user,
            )
        if isinstance(exc, errors.TransientError):
            return self.env._(
                "Octopus cannot be reached at %(url)s right now: %(detail)s. Check the service URL, "
                "or try again later.",
                url=self.url,
                detail=exc,
            )
        if isinstance(exc, errors.NotFound) and not exc.error_code:
            return self.env._("No Octopus service answers at %(url)s (HTTP 404). Check the service URL.", url=self.url)
        if isinstance(exc, requests.RequestException):
            return self.env._("Octopus cannot be reached at %(url)s: %(detail)s", url=self.url, detail=exc)
        return self.env._("Octopus answered with an error: %(detail)s", detail=exc)

    # -- buttons -------------------------------------------------------------------------------

    def action_test_connection(self):
        """Sign in once: on success the connection becomes active."""
        self.ensure_one()
        try:
            # A person waits for the answer: one try, and not the 30 s a cron run may wait.
            self._get_client(timeout=15, max_retries=0).authenticate()
        except (errors.OctopusError, requests.RequestException) as exc:
            message = self._error_message(exc)
            vals = {"state": "error", "last_test_message": message, "last_test_date": fields.Datetime.now()}
            if isinstance(exc, errors.AuthenticationError):
                vals["active"] = False
            self.write(vals)
            _logger.info("Octopus connection %s: sign-in test failed (%s)", self.id, type(exc).__name__)
            # soft_reload: the form shows the new state (statusbar, ribbon, link button) at once.
            return self._notify(self.env._("Octopus sign-in failed"), message, "danger", RELOAD)
        message = self.env._("Signed in to Octopus as %(user)s.", user=self.user)
        self.write(
            {"state": "ok", "active": True, "last_test_message": message, "last_test_date": fields.Datetime.now()}
        )
        return self._notify(self.env._("Octopus connection works"), message, "success", RELOAD)

    def action_link_company(self):
        """Link the company the user works in, searching this connection's dossiers."""
        self.ensure_one()
        return self.env.company._octopus_link(self)

    def action_link_companies(self):
        """Every dossier of this login next to its Odoo company: link them all in one go."""
        self.ensure_one()
        return self.env["octopus.link.companies"]._open(self)

    def action_open_dossiers(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Octopus dossiers"),
            "res_model": "octopus.dossier",
            "view_mode": "list,form",
            "domain": [("connection_id", "=", self.id)],
            "context": {"default_connection_id": self.id},
        }

    @api.model
    def _notify(self, title, message, kind, next_action=None, sticky=None):
        """A notification; it stays until closed when it is not a success, or when `sticky` says so
        (what a button did: the user reads it after the page reloaded)."""
        params = {
            "title": title,
            "message": message,
            "type": kind,
            "sticky": kind != "success" if sticky is None else sticky,
        }
        if next_action:
            params["next"] = next_action
        return {"type": "ir.actions.client", "tag": "display_notification", "params": params}
