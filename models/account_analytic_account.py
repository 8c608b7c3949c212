from odoo import api, fields, models


class AccountAnalyticAccount(models.Model):
    """Analytic accounts of the company's cost-centre plan book on Octopus cost centres."""

    _inherit = "account.analytic.account"

    octopus_cost_centre_key = fields.Integer(
        string="Octopus cost centre",
        company_dependent=True,
        help="Id of the Octopus cost centre this analytic account books on, per company. Empty: the cost centre "
        "whose id is the account's code, else the one with the account's name; else one is created when the "
        "company allows it.",
    )
    octopus_cost_centre_resolved = fields.Char(
        compute="_compute_octopus_cost_centre_resolved",
        string="Books in Octopus on",
        help="The cost centre of the current company's Octopus dossier this analytic account books on.",
    )

    @api.depends_context("company")
    @api.depends("code", "name", "octopus_cost_centre_key")
    def _compute_octopus_cost_centre_resolved(self):
        dossier = self.env.company.octopus_dossier_id
        for account in self:
            centre = dossier and account._octopus_cost_centre(dossier)
            account.octopus_cost_centre_resolved = centre.display_name if centre else False

    def _octopus_cost_centre(self, dossier):
        """The dossier's cost centre (octopus.cost.centre) this analytic account books on, or an empty one.

        The per-company id comes first; else the cost centre numbered like the account's code, else
        the one named like the account (case aside)."""
        self.ensure_one()
        account = self.with_company(dossier.company_id)
        centres = dossier.cost_centre_ids
        if account.octopus_cost_centre_key:
            return centres.filtered(lambda c: c.key == account.octopus_cost_centre_key)
        code = (account.code or "").strip()
        if code.isdigit():
            found = centres.filtered(lambda c: c.key == int(code))
            if found:
                return found
        name = (account.name or "").strip().casefold()
        return centres.filtered(lambda c: (c.name or "").strip().casefold() == name)[:1]

    def _octopus_cost_centre_problems(self, dossier):
        """Sentences for this analytic account of the cost-centre plan, used by the dossier's mapping
        check and by the push: a cost centre the dossier lacks or has closed, or none at all."""
        self.ensure_one()
        centre = self._octopus_cost_centre(dossier)
        key = self.with_company(dossier.company_id).octopus_cost_centre_key
        if key and not centre:
            return [
                self.env._(
                    "Analytic account %(account)s books on Octopus cost centre %(key)s, which dossier %(dossier)s "
                    "does not have: choose another one on the analytic account.",
                    account=self.display_name,
                    key=key,
                    dossier=dossier.display_name,
                )
            ]
        if centre.closed:
            return [
                self.env._(
                    "Analytic account %(account)s books on Octopus cost centre %(centre)s, which is closed in "
                    "Octopus: ask the accountant to reopen it, or choose another one on the analytic account.",
                    account=self.display_name,
                    centre=centre.display_name,
                )
            ]
        if not centre and not dossier.company_id.octopus_cost_centre_create:
            return [
                self.env._(
                    "Analytic account %(account)s has no Octopus cost centre: set one on the analytic account (press "
                    "'Synchronise bookyears' on the dossier first if it is new in Octopus), or let Odoo create the "
                    "missing ones (Settings, Octopus).",
                    account=self.display_name,
                )
            ]
        return []
