from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResPartnerBank(models.Model):
    _inherit = "res.partner.bank"

    octopus_journal_id = fields.Many2one(
        "octopus.journal",
        string="Octopus financial journal",
        domain="[('journal_type', '=', 'F'), ('dossier_id', '=', octopus_dossier_id)]",
        help="The Octopus financial journal that holds this bank account's movements.",
    )
    octopus_dossier_id = fields.Many2one(
        "octopus.dossier",
        compute="_compute_octopus_dossier_id",
        help="The dossier of the company holding this account; empty for partners' accounts.",
    )

    @api.depends("partner_id")
    def _compute_octopus_dossier_id(self):
        companies = self.env["res.company"].search([("partner_id", "in", self.partner_id.ids)])
        for bank in self:
            company = companies.filtered(lambda c, b=bank: c.partner_id == b.partner_id)[:1]
            bank.octopus_dossier_id = company.octopus_dossier_id

    def _octopus_problems(self):
        """What keeps payments on this bank account from being booked in Octopus."""
        self.ensure_one()
        if not self.octopus_journal_id:
            return [
                self.env._(
                    "Bank account %(bank)s receives Octopus payments but has no Octopus financial "
                    "journal: set it on the bank journal.",
                    bank=self.display_name,
                )
            ]
        return []

    @api.constrains("octopus_journal_id", "partner_id")
    def _check_octopus_journal(self):
        for bank in self.filtered("octopus_journal_id"):
            journal = bank.octopus_journal_id
            if journal.journal_type != "F" or journal.dossier_id != bank.octopus_dossier_id:
                raise ValidationError(
                    self.env._(
                        "Bank account %(bank)s can only be mapped to a financial (F) journal of its own "
                        "company's Octopus dossier.",
                        bank=bank.display_name,
                    )
                )
