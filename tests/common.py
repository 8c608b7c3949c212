"""Shared set-up of the Odoo tests: a Belgian company, a local Octopus sandbox and a connection to it.

One sandbox server runs per test class; every test starts from the demo seed (``setUp`` resets the
sandbox and forgets the addon's daily call counters, as a new day would).
"""

import json
from unittest.mock import patch

from odoo.tests import new_test_user, tagged
from odoo.tools import config

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.account_octopus.sandbox import DEFAULT_SEED, SandboxServer

DEMO_SEED_PATH = DEFAULT_SEED  # sandbox/seed/demo.json
DEMO_DOSSIER_ID = 1001
DEMO_USER = "demo@B12345"
DEMO_PASSWORD = "demo"
DEMO_SOFTWARE_HOUSE_UUID = "00000000-0000-4000-8000-000000000001"


def demo_seed():
    """The demo seed as a dict (a fresh copy each call: tests may change it)."""
    with open(DEMO_SEED_PATH, encoding="utf-8") as handle:
        return json.load(handle)


class FakeClock:
    """Each reading is `step` seconds after the previous one (patched on Budget's clocks)."""

    def __init__(self, step):
        self.now, self.step = 0.0, step

    def __call__(self):
        self.now += self.step
        return self.now


def limits(**values):
    """Odoo's configuration with these limits (the rest as Odoo's defaults)."""
    defaults = {"limit_time_real": 120, "limit_time_real_cron": -1, "limit_time_cpu": 60, "workers": 0}
    return patch.dict(config.options, {**defaults, **values})


@tagged("post_install", "-at_install")
class OctopusCommon(AccountTestInvoicingCommon):
    """Company = the demo dossier 1001's company (same VAT), with a connection to the sandbox.

    Attributes: ``sandbox`` (SandboxServer), ``seed`` (the demo seed dict: do not change it, build a
    new one with ``demo_seed()`` and ``self.sandbox.state.reset(seed=...)``), ``demo_dossier_seed`` (1001),
    ``company``, ``connection``. Call ``cls._link_company()`` in a subclass's setUpClass to get a
    tested connection, a linked dossier (``cls.dossier``) and synchronised master data.
    """

    @classmethod
    @AccountTestInvoicingCommon.setup_country("be")
    def setUpClass(cls):
        super().setUpClass()
        cls.seed = demo_seed()
        cls.seed["strict"] = True  # a field the API does not define (a misspelling) fails the test
        cls.sandbox = SandboxServer(seed=cls.seed).start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.demo_dossier_seed = next(d for d in cls.seed["dossiers"] if d["id"] == DEMO_DOSSIER_ID)
        cls.company = cls.company_data["company"]
        cls.company.vat = cls.demo_dossier_seed["vatNr"]
        cls.connection = cls.env["octopus.connection"].create(
            {
                "name": "Octopus sandbox",
                "url": cls.sandbox.url,
                "user": DEMO_USER,
                "password_input": DEMO_PASSWORD,
                "software_house_uuid": DEMO_SOFTWARE_HOUSE_UUID,
            }
        )
        cls.dossier = cls.env["octopus.dossier"]

    def setUp(self):
        super().setUp()
        self.sandbox.state.reset(seed=self.seed)  # a test may have swapped the seed: back to the demo
        # The sandbox starts a new day: the addon's own counters must agree with it.
        self.env["octopus.call.counter"].sudo().search([]).unlink()

    @classmethod
    def _invoicing_user(cls, login):
        """An invoicing user (no accounting or Octopus rights) of the test company only."""
        return new_test_user(
            cls.env,
            login=login,
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )

    @classmethod
    def _link_company(cls):
        """Test the connection, link the company to dossier 1001 and synchronise its bookyears."""
        cls.connection.action_test_connection()
        cls.company.action_octopus_link_dossier()
        cls.dossier = cls.company.octopus_dossier_id
        cls.dossier.action_sync_bookyears()
        return cls.dossier

    def _notification(self, action):
        """(type, message) of a display_notification action returned by a button."""
        self.assertEqual(action.get("tag"), "display_notification", action)
        return action["params"]["type"], action["params"]["message"]
