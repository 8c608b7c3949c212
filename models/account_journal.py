from odoo import fields, models


class AccountJournal(models.Model):
    _inherit = "account.journal"

    octopus_journal_id = fields.Many2one(
        "octopus.journal", string="Octopus journal", check_company=True,
        help="Sales journals book invoices and credit notes into an Octopus sale (V) journal, "
             "purchase journals into a purchase (A) journal.")
    octopus_default_account_id = fields.Many2one(
        "octopus.account", string="Default Octopus account", check_company=True,
        help="Used for invoice lines whose Odoo account has no Octopus counterpart.")
    octopus_payment_journal_id = fields.Many2one(
        "account.journal", string="Book payment on", check_company=True,
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id)]",
        help="When set, every invoice sent to Octopus also gets a payment for its full amount, "
             "booked in the Octopus financial journal mapped to this bank journal's account.")
    octopus_number_follows = fields.Boolean(
        string="Odoo number follows Octopus",
        help="Rename the posted Odoo invoice after its Octopus number (year/journal/number).")
