from dataclasses import replace

from odoo import api, models
from odoo.tools import float_compare

from ..octopus import booking as octopus_booking

NONE, MANDATORY = "0", "1"  # octopus.account.cost_centre_type (Octopus' costCentreType, ref §4.3)


class OctopusBooking(models.Model):
    """Analytic distribution to Octopus cost centres (issue 17).

    With an analytic plan chosen on the company, each invoice line is split by its distribution's
    percentages on that plan into Octopus lines carrying the analytic accounts' cost centres (each
    part rounded to the cent, the rest on the largest part, so bases and VAT stay Odoo's to the
    cent). An Octopus account that takes no cost centre gets none; one that demands a cost centre
    gets the line's, else its own default; without either the push refuses before sending.
    """

    # octopus.booking is split by concern (octopus_booking*.py), each file under 400 lines.
    _inherit = "octopus.booking"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _plan_parts(self, line, dossier):
        """[(analytic account, percentage)] of the line's distribution on the company's cost-centre plan."""
        plan = dossier._octopus_cost_centre_plan()
        if not plan or not line.analytic_distribution:
            return []
        parts = []
        for ids, percentage in line.analytic_distribution.items():
            accounts = self.env["account.analytic.account"].browse([int(i) for i in ids.split(",")]).exists()
            account = accounts.filtered(lambda a, plan=plan: a.root_plan_id == plan)[:1]
            if account:
                parts.append((account, percentage))
        return parts

    @api.model
    def _plan_accounts(self, move, dossier):
        accounts = self.env["account.analytic.account"]
        for line in self._product_lines(move):
            for account, _percentage in self._plan_parts(line, dossier):
                accounts |= account
        return accounts

    @api.model
    def _cost_centre_lines(self, line, dossier, base):
        """The BaseLine `base` of invoice line `line`, split over the line's cost centres."""
        parts = [(account._octopus_cost_centre(dossier).key, pct) for account, pct in self._plan_parts(line, dossier)]
        return [
            replace(base, base_cents=cents, cost_centre=key)
            for key, cents in octopus_booking.split_by_percentages(base.base_cents, parts)
        ]

    @api.model
    def _cost_centre_defaults(self, lines, dossier):
        """Each line's cost centre as its Octopus account takes it: none where the account takes none, the
        account's default where it demands one and the line has none."""
        result = []
        for line in lines:
            account = dossier._octopus_account_by_number(line.account)
            kind = account.cost_centre_type or NONE
            if kind == NONE and line.cost_centre:
                line = replace(line, cost_centre=0)
            elif kind == MANDATORY and not line.cost_centre:
                line = replace(line, cost_centre=account.default_cost_centre_key)
            result.append(line)
        return result

    @api.model
    def _cost_centre_problems(self, move, dossier):
        """Sentences for what keeps the move's cost centres out of Octopus (no network): each analytic
        account's own check (as in the dossier's mapping check), and each line on an Octopus account
        that demands a cost centre while the line has none for part of its amount and the account no default."""
        problems = []
        for line in self._product_lines(move):
            if line.company_currency_id.is_zero(line.balance) and line.currency_id.is_zero(line.amount_currency):
                continue
            covered = sum(percentage for _account, percentage in self._plan_parts(line, dossier))
            label = (line.name or line.account_id.display_name or "").split("\n")[0]
            problems += self._demanded_problems(
                self._line_account(line, dossier), covered, self.env._("line %(line)s", line=label), dossier
            )
        for tax_line in self._levy_lines(move):
            problems += self._demanded_problems(
                self._line_account(tax_line, dossier),
                0,
                self.env._("tax %(tax)s", tax=tax_line.tax_line_id.name),
                dossier,
            )
        for account in self._plan_accounts(move, dossier):
            problems += account._octopus_cost_centre_problems(dossier)
        return problems

    @api.model
    def _demanded_problems(self, number, covered, usage, dossier):
        account = dossier._octopus_account_by_number(number)
        if (
            account.cost_centre_type != MANDATORY
            or account.default_cost_centre_key
            or float_compare(covered, 100, precision_digits=2) >= 0
        ):
            return []
        plan = dossier._octopus_cost_centre_plan()
        if plan:
            return [
                self.env._(
                    "The %(usage)s books on Octopus account %(account)s, which demands a cost centre: give it an "
                    "analytic distribution of 100%% on plan %(plan)s.",
                    usage=usage,
                    account=account.display_name,
                    plan=plan.name,
                )
            ]
        return [
            self.env._(
                "The %(usage)s books on Octopus account %(account)s, which demands a cost centre: choose the analytic "
                "plan booked as Octopus cost centres (Settings, Octopus) and give the line an analytic distribution "
                "on it.",
                usage=usage,
                account=account.display_name,
            )
        ]

    def _ensure_cost_centres(self, dossier, dossier_api):
        """Before building the booking: the move's analytic accounts without a cost centre find theirs
        (the list read again when old) or get a new one in Octopus when the company allows it."""
        accounts = self._plan_accounts(self.move_id, dossier)
        if accounts:
            dossier._octopus_resolve_cost_centres(accounts, dossier_api)
