from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .octopus_push_run import remembered_in_run

OCTOPUS_ACCOUNT_DIGITS = 6  # Octopus numbers general accounts with six digits (700000, 140000)


class AccountAccount(models.Model):
    _inherit = "account.account"

    octopus_account_number = fields.Integer(
        string="Octopus account",
        company_dependent=True,
        help="Octopus account number to book on. Empty: the account's own code is used (Belgian charts share codes).",
    )
    octopus_account_resolved = fields.Char(
        compute="_compute_octopus_account_resolved",
        string="Books in Octopus on",
        help="The Octopus account of the current company's dossier this account books on.",
    )

    @api.depends_context("company")
    @api.depends("code", "octopus_account_number")
    def _compute_octopus_account_resolved(self):
        dossier = self.env.company.octopus_dossier_id
        for account in self:
            number = dossier and account._octopus_account_number(dossier)
            match = number and dossier.account_ids.filtered(lambda a, n=number: a.number == n)
            if not dossier:
                account.octopus_account_resolved = False
            elif match:
                account.octopus_account_resolved = match.display_name
            elif number:
                account.octopus_account_resolved = self.env._("%(number)s (not in the dossier)", number=number)
            else:
                account.octopus_account_resolved = self.env._("none")

    @api.constrains("octopus_account_number")
    def _check_octopus_account_number(self):
        dossier = self.env.company.octopus_dossier_id
        if not dossier.account_ids:
            return
        numbers = set(dossier.account_ids.mapped("number"))
        for account in self:
            number = account.octopus_account_number
            if number and number not in numbers:
                raise ValidationError(
                    self.env._(
                        "Octopus dossier %(dossier)s has no account %(number)s (set on %(account)s).",
                        dossier=dossier.display_name,
                        number=number,
                        account=account.display_name,
                    )
                )

    @remembered_in_run
    def _octopus_account_number(self, dossier):
        """The Octopus account number this account books on in `dossier`, or False.

        The per-company override comes first. Otherwise the code, when it is all digits, names an
        account of the dossier: as such (700000), or padded to six digits when shorter (7000 -> 700000).
        """
        self.ensure_one()
        account = self.with_company(dossier.company_id)
        if account.octopus_account_number:
            return account.octopus_account_number
        code = (account.code or "").strip()
        if not code.isdigit():
            return False
        numbers = set(dossier.account_ids.mapped("number"))
        candidates = [int(code)]
        if len(code) < OCTOPUS_ACCOUNT_DIGITS:
            candidates.append(int(code.ljust(OCTOPUS_ACCOUNT_DIGITS, "0")))
        return next((number for number in candidates if number in numbers), False)

    def _octopus_usage_problems(self, dossier, journal, usage):
        """This account, used as `usage` ("line ...", "used by journal ...") in `journal`, has no Octopus
        account of `dossier` and the journal has no default one: one sentence, else none."""
        self.ensure_one()
        if self._octopus_account_number(dossier) or journal.octopus_default_account_id:
            return []
        return [
            self.env._(
                "Account %(account)s (%(usage)s) has no Octopus account: set its Octopus account, or a "
                "default account on the journal's Octopus tab.",
                account=self.display_name,
                usage=usage,
            )
        ]

    @api.model
    def _octopus_override_problems(self, dossier):
        """Sentences for overrides that name an account the dossier does not have."""
        numbers = set(dossier.account_ids.mapped("number"))
        if not numbers:
            return [self.env._("The Octopus accounts are not read yet: press 'Synchronise bookyears'.")]
        field = self._fields["octopus_account_number"]
        accounts = self.with_company(dossier.company_id).search(
            [*self._check_company_domain(dossier.company_id), ("octopus_account_number", "!=", False)]
        )
        return [
            self.env._(
                "Account %(account)s books on Octopus account %(number)s, which dossier %(dossier)s does not have.",
                account=account.display_name,
                number=account[field.name],
                dossier=dossier.display_name,
            )
            for account in accounts
            if account[field.name] not in numbers
        ]
