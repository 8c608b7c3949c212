from odoo import fields, models


class AccountAccount(models.Model):
    _inherit = "account.account"

    octopus_account_number = fields.Integer(
        string="Octopus account", company_dependent=True,
        help="Octopus account number to book on. Empty: the account's own code is used "
             "(Belgian charts share codes).")
