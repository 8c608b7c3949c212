from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .octopus_push_run import remembered_in_run

# Which Octopus journal type an Odoo journal books into.
OCTOPUS_TYPE = {"sale": "V", "purchase": "A", "bank": "F", "cash": "F"}


class AccountJournal(models.Model):
    _inherit = "account.journal"

    octopus_journal_id = fields.Many2one(
        "octopus.journal",
        string="Octopus journal",
        check_company=True,
        domain="[('dossier_id', '=', octopus_dossier_id), ('journal_type', '=', octopus_journal_type)]",
        help="Sales journals book invoices and credit notes into an Octopus sale (V) journal, "
        "purchase journals into a purchase (A) journal.",
    )
    octopus_default_account_id = fields.Many2one(
        "octopus.account",
        string="Default Octopus account",
        check_company=True,
        domain="[('dossier_id', '=', octopus_dossier_id)]",
        help="Used for invoice lines whose Odoo account has no Octopus counterpart.",
    )
    octopus_payment_journal_id = fields.Many2one(
        "account.journal",
        string="Book payment on",
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id)]",
        help="When set, every invoice sent to Octopus also gets a payment for its full amount, "
        "booked in the Octopus financial journal mapped to this bank journal's account.",
    )
    octopus_number_follows = fields.Boolean(
        string="Odoo number follows Octopus",
        help="Rename the posted Odoo invoice after its Octopus number (year/journal/number).",
    )
    # stored: the dossier's mapping tab lists the company's journals through it (a One2many)
    octopus_dossier_id = fields.Many2one(
        "octopus.dossier", compute="_compute_octopus_dossier_id", store=True, index="btree_not_null"
    )
    octopus_journal_type = fields.Char(compute="_compute_octopus_journal_type")
    octopus_bank_journal_id = fields.Many2one(
        related="bank_account_id.octopus_journal_id",
        readonly=False,
        string="Octopus financial journal",
        help="The Octopus financial (F) journal that holds this bank account's movements.",
    )

    octopus_suggested_journal_id = fields.Many2one(
        "octopus.journal",
        compute="_compute_octopus_suggested_journal_id",
        string="Suggested Octopus journal",
        help="Sales: the V journal for bookings; purchases: the A journal; a bank account: the F journal whose "
        "name carries its IBAN.",
    )

    @api.depends("company_id.octopus_dossier_ids")
    def _compute_octopus_dossier_id(self):
        for journal in self:
            journal.octopus_dossier_id = journal.company_id.octopus_dossier_id

    @api.depends("type", "octopus_dossier_id.journal_ids", "bank_account_id.acc_number")
    def _compute_octopus_suggested_journal_id(self):
        for journal in self:
            journal.octopus_suggested_journal_id = journal.octopus_dossier_id._suggest_journal(journal)

    @api.depends("type")
    def _compute_octopus_journal_type(self):
        for journal in self:
            journal.octopus_journal_type = OCTOPUS_TYPE.get(journal.type, False)

    @api.constrains("octopus_journal_id", "type")
    def _check_octopus_journal_type(self):
        types = dict(self.env["octopus.journal"]._fields["journal_type"]._description_selection(self.env))
        for journal in self.filtered("octopus_journal_id"):
            expected = OCTOPUS_TYPE.get(journal.type)
            if journal.octopus_journal_id.journal_type != expected:
                raise ValidationError(
                    self.env._(
                        "Journal %(journal)s books into an Octopus %(expected)s journal, not into %(octopus)s.",
                        journal=journal.name,
                        expected=types.get(expected, "?"),
                        octopus=journal.octopus_journal_id.display_name,
                    )
                )

    @remembered_in_run
    def _octopus_mapping_problems(self, dossier):
        """Sentences naming what this sale/purchase journal lacks to be pushed to `dossier`."""
        self.ensure_one()
        if not self.octopus_journal_id:
            return [
                self.env._(
                    "Journal %(journal)s has no Octopus journal of dossier %(dossier)s: set it on the "
                    "journal's Octopus tab.",
                    journal=self.name,
                    dossier=dossier.display_name,
                )
            ]
        if self.octopus_journal_id.dossier_id != dossier:
            return [
                self.env._(
                    "Journal %(journal)s points to an Octopus journal of another dossier: set one of "
                    "dossier %(dossier)s on the journal's Octopus tab.",
                    journal=self.name,
                    dossier=dossier.display_name,
                )
            ]
        return []
