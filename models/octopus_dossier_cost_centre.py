import logging
from datetime import timedelta

from odoo import fields, models

from ..octopus import errors
from .octopus_push_run import remembered_in_run

_logger = logging.getLogger(__name__)

# GET /costcentres allows 2 calls a day (ref §4.11; the call counters stop a third): the
# synchronisation reads them, and the push again when an analytic account finds no cost centre in a
# copy older than this, so that one typed in Octopus meanwhile is found, and its number not reused
# for a new one (PUT would overwrite it).
COST_CENTRES_MAX_AGE = timedelta(hours=1)


class OctopusDossier(models.Model):
    """The dossier's cost centres: read by the synchronisation and, at most twice a day in all, by
    the push; created by the push for analytic accounts that have none, when the company allows it."""

    _inherit = "octopus.dossier"  # pylint: disable=consider-merging-classes-inherited

    cost_centre_ids = fields.One2many("octopus.cost.centre", "dossier_id")
    cost_centre_count = fields.Integer(compute="_compute_cost_centre_count")
    cost_centres_read_at = fields.Datetime(string="Cost centres read on", readonly=True)

    def _compute_cost_centre_count(self):
        for dossier in self:
            dossier.cost_centre_count = len(dossier.cost_centre_ids)

    def action_open_cost_centres(self):
        return self._open_list("octopus.cost.centre", self.env._("Octopus cost centres"))

    @remembered_in_run
    def _octopus_cost_centre_plan(self):
        """The analytic plan the company books as Octopus cost centres (empty: none)."""
        self.ensure_one()
        return self.company_id.octopus_cost_centre_plan_id

    @remembered_in_run
    def _octopus_account_by_number(self, number):
        """The dossier's Octopus account `number` (empty when it has none): one row, not the whole chart."""
        self.ensure_one()
        return self.env["octopus.account"].search([("dossier_id", "=", self.id), ("number", "=", number)], limit=1)

    def _octopus_cost_centre_accounts(self):
        """The analytic accounts of the company's cost-centre plan (its sub-plans included)."""
        self.ensure_one()
        plan = self._octopus_cost_centre_plan()
        if not plan:
            return self.env["account.analytic.account"]
        return self.env["account.analytic.account"].search(
            [("root_plan_id", "=", plan.id), ("company_id", "in", (False, self.company_id.id))]
        )

    def _cost_centre_problem_items(self):
        """(analytic account, sentence) for the mapping check, when the company books cost centres."""
        self.ensure_one()
        return [
            (account, problem)
            for account in self._octopus_cost_centre_accounts()
            for problem in account._octopus_cost_centre_problems(self)
        ]

    def _octopus_read_cost_centres(self, dossier_api, max_age=None):
        """Read the cost centres again (unless read within `max_age`); False when the daily limit stops it."""
        self.ensure_one()
        now = fields.Datetime.now()
        if max_age and self.cost_centres_read_at and self.cost_centres_read_at > now - max_age:
            return False
        try:
            centres = dossier_api.get_cost_centres()
        except errors.DailyLimitReached:
            _logger.info("Octopus dossier %s: cost centres not read again today (daily limit)", self.id)
            return False
        self.env["octopus.cost.centre"]._sync_cost_centres(self, centres)
        self.cost_centres_read_at = now
        return True

    def _octopus_resolve_cost_centres(self, analytic_accounts, dossier_api):
        """Make sure each of `analytic_accounts` books on a cost centre of the dossier: read the list
        again when one has none and the copy is older than COST_CENTRES_MAX_AGE, then, when the
        company allows it, create the missing ones in Octopus (PUT /costcentres)."""
        self.ensure_one()
        missing = analytic_accounts.filtered(lambda a: not a._octopus_cost_centre(self))
        if missing and self._octopus_read_cost_centres(dossier_api, COST_CENTRES_MAX_AGE):
            missing = missing.filtered(lambda a: not a._octopus_cost_centre(self))
        if not self.company_id.octopus_cost_centre_create:
            return
        for account in missing.filtered(lambda a: not a.with_company(self.company_id).octopus_cost_centre_key):
            self._octopus_create_cost_centre(account, dossier_api)

    def _octopus_create_cost_centre(self, account, dossier_api):
        """A new cost centre named after `account`, numbered by its code when that is a free number,
        else after the highest. PUT is an upsert on that number, so a repeat after a lost reply
        (the copy unchanged, hence the same number) updates it rather than making a second one."""
        keys = set(self.cost_centre_ids.mapped("key"))
        code = (account.code or "").strip()
        key = (
            int(code)
            if code.isdigit() and 0 < int(code) < 2**31 and int(code) not in keys
            else max(keys, default=0) + 1
        )
        dossier_api.put_cost_centre(key, account.name[:50])
        self.env["octopus.cost.centre"].create({"dossier_id": self.id, "key": key, "name": account.name[:50]})
        account.with_company(self.company_id).octopus_cost_centre_key = key
        self._octopus_log(
            self.env._(
                "Cost centre %(key)s %(name)s created in Octopus for analytic account %(account)s.",
                key=key,
                name=account.name[:50],
                account=account.display_name,
            )
        )
