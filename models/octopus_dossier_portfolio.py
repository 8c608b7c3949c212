from odoo import api, fields, models
from odoo.tools.misc import format_datetime

from ..octopus.limits import DAILY_LIMITS

# How the portfolio counts a company's invoices by their Octopus state (account.move.octopus_state):
# "sending" is a short step of "to send".
COUNTED_STATES = {
    "to_send": "to_send",
    "sending": "to_send",
    "waiting": "waiting",
    "uncertain": "uncertain",
    "failed": "failed",
}
NEAR_LIMIT = 80  # percent of a daily limit from which a dossier is shown "near a daily limit"


class OctopusDossier(models.Model):
    """The portfolio: one row per linked company, the screen a property manager opens every morning.

    Invoice counts come from account.move's ``octopus_state`` in one read_group for all rows; the
    calls come from today's octopus.call.counter rows. Nothing here is stored: the counts are always
    those of the moment, and the filters search them the same way.
    """

    _inherit = "octopus.dossier"  # pylint: disable=consider-merging-classes-inherited

    count_to_send = fields.Integer(string="To send", compute="_compute_invoice_counts", search="_search_count_to_send")
    count_waiting = fields.Integer(string="Waiting", compute="_compute_invoice_counts", search="_search_count_waiting")
    count_uncertain = fields.Integer(
        string="Uncertain", compute="_compute_invoice_counts", search="_search_count_uncertain"
    )
    count_failed = fields.Integer(string="Failed", compute="_compute_invoice_counts", search="_search_count_failed")
    calls_today = fields.Char(
        string="Calls today",
        compute="_compute_calls_today",
        help="Octopus calls made today in this dossier, against each daily limit.",
    )
    calls_peak = fields.Integer(
        string="Highest daily limit use (%)", compute="_compute_calls_today", search="_search_calls_peak"
    )
    lock_notice = fields.Char(string="Notice", compute="_compute_lock_notice", search="_search_lock_notice")

    # -- invoice counts ------------------------------------------------------------------------

    def _invoice_counts(self, companies):
        """{company id: {counted state: number}} for `companies`, in one read_group."""
        counts = {}
        groups = self.env["account.move"]._read_group(
            [("company_id", "in", companies.ids), ("octopus_state", "in", list(COUNTED_STATES))],
            ["company_id", "octopus_state"],
            ["__count"],
        )
        for company, state, count in groups:
            by_state = counts.setdefault(company.id, dict.fromkeys(COUNTED_STATES.values(), 0))
            by_state[COUNTED_STATES[state]] += count
        return counts

    def _compute_invoice_counts(self):
        counts = self._invoice_counts(self.company_id)
        for dossier in self:
            by_state = counts.get(dossier.company_id.id, {})
            dossier.count_to_send = by_state.get("to_send", 0)
            dossier.count_waiting = by_state.get("waiting", 0)
            dossier.count_uncertain = by_state.get("uncertain", 0)
            dossier.count_failed = by_state.get("failed", 0)

    def _search_count(self, state, operator, value):
        """Dossiers whose company has `operator value` invoices in `state` (e.g. count_failed > 0)."""
        if operator not in ("=", "!=", ">", ">=", "<", "<=") or not isinstance(value, int):
            raise NotImplementedError(f"count {operator} {value!r}")
        counts = self._invoice_counts(self.env.companies)
        compare = {
            "=": int.__eq__,
            "!=": int.__ne__,
            ">": int.__gt__,
            ">=": int.__ge__,
            "<": int.__lt__,
            "<=": int.__le__,
        }[operator]
        matching = [
            company_id
            for company_id in self.env.companies.ids
            if compare(counts.get(company_id, {}).get(state, 0), value)
        ]
        return [("company_id", "in", matching)]

    def _search_count_to_send(self, operator, value):
        return self._search_count("to_send", operator, value)

    def _search_count_waiting(self, operator, value):
        return self._search_count("waiting", operator, value)

    def _search_count_uncertain(self, operator, value):
        return self._search_count("uncertain", operator, value)

    def _search_count_failed(self, operator, value):
        return self._search_count("failed", operator, value)

    # -- calls and notices ---------------------------------------------------------------------

    @api.model
    def _calls_by_dossier(self):
        """{(connection id, dossier key): {operation: calls today}} of the limited operations."""
        # sudo: counters are the addon's bookkeeping (manager-only); only their numbers are shown
        counters = (
            self.env["octopus.call.counter"].sudo().search([("day", "=", self.env["octopus.call.counter"]._today())])
        )
        calls = {}
        for counter in counters.filtered(lambda c: DAILY_LIMITS.get(c.operation)):
            key = (counter.connection_id.id, counter.octopus_dossier_key)
            calls.setdefault(key, {})[counter.operation] = counter.count
        return calls

    def _compute_calls_today(self):
        calls = self._calls_by_dossier()
        for dossier in self:
            used = calls.get((dossier.connection_id.id, dossier.octopus_key), {})
            dossier.calls_today = (
                ", ".join(f"{operation} {count}/{DAILY_LIMITS[operation]}" for operation, count in sorted(used.items()))
                or False
            )
            dossier.calls_peak = max(
                (100 * count // DAILY_LIMITS[operation] for operation, count in used.items()), default=0
            )

    def _search_calls_peak(self, operator, value):
        if operator not in (">=", ">"):
            raise NotImplementedError(f"calls_peak {operator} {value!r}")
        calls = self._calls_by_dossier()
        keys = [
            key
            for key, used in calls.items()
            if any(100 * count // DAILY_LIMITS[op] >= value + (operator == ">") for op, count in used.items())
        ]
        dossiers = self.search([("octopus_key", "in", [key for _connection, key in keys])])
        return [("id", "in", dossiers.filtered(lambda d: (d.connection_id.id, d.octopus_key) in keys).ids)]

    def _compute_lock_notice(self):
        now = fields.Datetime.now()
        for dossier in self:
            if not (dossier.push_paused_until and dossier.push_paused_until > now):
                dossier.lock_notice = False
            elif dossier.push_pause_reason == "lock":
                dossier.lock_notice = self.env._(
                    "Journal open in Octopus: invoices wait until %(when)s.",
                    when=format_datetime(self.env, dossier.push_paused_until),
                )
            else:
                dossier.lock_notice = self.env._(
                    "Daily limit reached: invoices wait until %(when)s.",
                    when=format_datetime(self.env, dossier.push_paused_until),
                )

    def _search_lock_notice(self, operator, value):
        if (operator, value) not in (("!=", False), ("=", False)):
            raise NotImplementedError(f"lock_notice {operator} {value!r}")
        paused = [("push_paused_until", ">", fields.Datetime.now())]
        return paused if operator == "!=" else ["!", *paused]

    # -- the screen ----------------------------------------------------------------------------

    def action_open_octopus_moves(self):
        """The company's invoices that are not sent yet, from its row of the portfolio."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "view_mode": "list,form",
            "name": self.env._("Octopus: invoices of %(company)s not sent yet", company=self.company_id.name),
            "domain": [("company_id", "=", self.company_id.id), ("octopus_state", "in", list(COUNTED_STATES))],
        }

    @api.model
    def action_open_portfolio(self):
        """Every linked company the user may access on one screen.

        The web client's company switcher decides which companies a screen shows (record rules on
        the allowed companies); the menu opens the portfolio with all the user's companies ticked in
        it, the current one first, as the user would by ticking them one by one.
        """
        companies = self.env.company | self.env.user.company_ids
        cids = "-".join(str(company_id) for company_id in companies.ids)
        return {
            "type": "ir.actions.act_url",
            "target": "self",
            "url": f"/odoo/action-account_octopus.action_octopus_portfolio?cids={cids}",
        }
