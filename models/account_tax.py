from odoo import fields, models


class AccountTax(models.Model):
    _inherit = "account.tax"

    octopus_vat_code = fields.Char(
        string="Octopus VAT code",
        help="Octopus VAT code for this tax. Empty: a default is chosen from the tax's rate and use.")
