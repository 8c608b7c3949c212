from odoo import fields, models


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
    company_id = fields.Many2one("res.company", string="Company",
                                 help="Leave empty to share this connection between companies.")
    url = fields.Char(string="Service URL", required=True,
                      default="https://service.inaras.be/octopus-rest-api/v1", tracking=True)
    user = fields.Char(string="Octopus user", required=True, tracking=True)
    password = fields.Char(groups="account_octopus.group_octopus_manager", copy=False)
    software_house_uuid = fields.Char(string="Software house id",
                                      groups="account_octopus.group_octopus_manager", copy=False)
    locale_id = fields.Selection([("0", "Dossier language"), ("1", "Dutch"), ("2", "French"),
                                  ("3", "English"), ("4", "German")],
                                 string="Octopus message language", default="0")
    active = fields.Boolean(default=False, tracking=True,
                            help="A connection becomes active once 'Test connection' signed in.")
    state = fields.Selection([("draft", "Not tested"), ("ok", "Connected"), ("error", "Sign-in failed")],
                             default="draft", readonly=True, tracking=True)
    last_test_message = fields.Char(readonly=True)
    last_test_date = fields.Datetime(readonly=True)
    dossier_ids = fields.One2many("octopus.dossier", "connection_id")
    # Token cache shared by workers and cron runs (tokens live 10 minutes, connects are limited).
    user_token = fields.Char(groups="base.group_system", copy=False)
    user_token_expiry = fields.Float(groups="base.group_system", copy=False)
