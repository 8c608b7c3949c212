from odoo import fields, models


class ResPartnerBank(models.Model):
    _inherit = "res.partner.bank"

    octopus_journal_id = fields.Many2one(
        "octopus.journal", string="Octopus financial journal",
        domain="[('journal_type', '=', 'F')]",
        help="The Octopus financial journal that holds this bank account's movements.")
