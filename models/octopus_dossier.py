import logging

import requests
from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import html_escape

from ..octopus import errors
from .octopus_push_run import remembered_in_run

_logger = logging.getLogger(__name__)


class OctopusDossier(models.Model):
    """The link between one Odoo company and one Octopus dossier, found by VAT number.

    Master data (bookyears with periods, journals per bookyear, accounts, VAT codes) hang below it;
    they are read-only copies refreshed by "Synchronise bookyears".
    """

    _name = "octopus.dossier"
    _description = "Octopus dossier"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name"

    name = fields.Char(required=True, readonly=True)
    connection_id = fields.Many2one("octopus.connection", required=True, ondelete="restrict", readonly=True)
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", index=True, readonly=True)
    octopus_key = fields.Integer(string="Octopus dossier id", required=True, readonly=True)
    vat = fields.Char(string="VAT number", readonly=True)
    bookyear_ids = fields.One2many("octopus.bookyear", "dossier_id")
    journal_ids = fields.One2many("octopus.journal", "dossier_id")
    account_ids = fields.One2many("octopus.account", "dossier_id")
    vat_code_ids = fields.One2many("octopus.vat.code", "dossier_id")
    last_sync_date = fields.Datetime(readonly=True)
    accounts_sync_date = fields.Datetime(
        string="Accounts read on",
        readonly=True,
        help="Octopus allows reading the accounts and the VAT codes twice a day only, so they are read "
        "by 'Synchronise bookyears' and by nothing else.",
    )
    relation_ids = fields.One2many("octopus.relation", "dossier_id")
    relations_read_at = fields.Datetime(
        string="Relations read on",
        readonly=True,
        help="When Odoo's copy of the dossier's customers and suppliers last matched Octopus; new partners "
        "are looked up in it by VAT number.",
    )
    purchases_read_at = fields.Datetime(
        string="Purchase bookings read on",
        readonly=True,
        help="When Odoo last read the dossier's purchase bookings, which each vendor bill is compared with "
        "before it is booked (a bill may have reached Octopus by Peppol already).",
    )
    bookyear_count = fields.Integer(compute="_compute_counts")
    journal_count = fields.Integer(compute="_compute_counts")
    account_count = fields.Integer(compute="_compute_counts")
    vat_code_count = fields.Integer(compute="_compute_counts")
    mapping_report = fields.Html(compute="_compute_mapping_report", sanitize=False, string="Mapping check")
    mapping_ok = fields.Boolean(compute="_compute_mapping_report")
    dossier_token = fields.Char(groups="base.group_system", copy=False)
    dossier_token_expiry = fields.Float(groups="base.group_system", copy=False)

    _sql_constraints = [
        ("unique_company", "unique(company_id)", "A company is linked to one Octopus dossier."),
        (
            "unique_dossier",
            "unique(connection_id, octopus_key)",
            "This Octopus dossier is already linked to another company.",
        ),
    ]

    def _compute_display_name(self):
        for dossier in self:
            dossier.display_name = f"{dossier.name} ({dossier.octopus_key})"

    def _compute_counts(self):
        for dossier in self:
            dossier.bookyear_count = len(dossier.bookyear_ids)
            dossier.journal_count = len(dossier.journal_ids)
            dossier.account_count = len(dossier.account_ids)
            dossier.vat_code_count = len(dossier.vat_code_ids)

    def _compute_mapping_report(self):
        for dossier in self:
            problems = dossier._mapping_problem_items()
            dossier.mapping_ok = not problems
            if problems:
                items = "".join(f"<li>{dossier._problem_html(record, problem)}</li>" for record, problem in problems)
                dossier.mapping_report = f"<ul>{items}</ul>"
            else:
                dossier.mapping_report = "<p>%s</p>" % html_escape(
                    self.env._("Every journal, account and tax Odoo sends has its Octopus counterpart.")
                )

    # -- helpers for the push -----------------------------------------------------------------

    def _get_api(self, use_reserve=False, **options):
        """DossierApi of this dossier (tokens shared through the database); `options` go to the client."""
        self.ensure_one()
        return self.connection_id._get_client(use_reserve=use_reserve, **options).dossier(self.octopus_key)

    @remembered_in_run
    def _period_for_date(self, date):
        """The Octopus period holding `date` (empty when no synchronised bookyear covers it)."""
        self.ensure_one()
        return self.env["octopus.bookyear.period"].search(
            [
                ("bookyear_id.dossier_id", "=", self.id),
                ("date_start", "<=", date),
                ("date_end", ">=", date),
            ],
            limit=1,
        )

    def _refresh_journal_numbers(self, bookyear, use_reserve=False):
        """Re-read the journals of `bookyear` in Octopus; returns its octopus.journal.year rows.

        Octopus errors are raised as they are (octopus.errors): the caller decides what they mean.
        """
        self.ensure_one()
        self.check_access("read")
        journals = self._get_api(use_reserve=use_reserve).get_journals(bookyear.octopus_key)
        # sudo: these rows mirror Octopus (no user edits them) and any invoicing user's push may
        # need fresh numbers; the user may read the dossier (checked above).
        return self.env["octopus.journal"].sudo()._sync_journals(self, bookyear, journals).sudo(False)

    # -- buttons -------------------------------------------------------------------------------

    def action_sync_bookyears(self):
        """Button: synchronise, then say what was read in a notification that stays."""
        self.ensure_one()
        dossier = self.with_company(self.company_id)  # any company the user may access, active or not
        message, warnings = dossier._synchronise()
        return self.connection_id._notify(
            self.env._("Octopus dossier %(dossier)s", dossier=self.display_name),
            message,
            "warning" if warnings else "success",
            {"type": "ir.actions.client", "tag": "soft_reload"},
            sticky=True,
        )

    def _synchronise(self):
        """Read bookyears, journals, accounts and VAT codes, then write them in one go.

        Everything is fetched before anything is written, so an Octopus error leaves the copies
        as they were. Returns (what was read, warnings), also kept as a note in the chatter.
        """
        self.ensure_one()
        self.check_access("write")
        try:
            data, warnings = self._fetch_master_data()
        except (errors.OctopusError, requests.RequestException) as exc:
            _logger.info("Octopus dossier %s: synchronisation failed (%s)", self.id, type(exc).__name__)
            raise UserError(
                self.env._(
                    "The bookyears of %(dossier)s could not be synchronised; nothing was changed. %(reason)s",
                    dossier=self.display_name,
                    reason=self.connection_id._error_message(exc),
                )
            ) from exc
        with self.env.cr.savepoint():
            self._write_master_data(data)
        message = self.env._(
            "%(count)s bookyears, %(journals)s journals, %(accounts)s accounts, %(vat_codes)s VAT codes read.",
            count=len(data["bookyears"]),
            journals=len(self.journal_ids),
            accounts=len(self.account_ids),
            vat_codes=len(self.vat_code_ids),
        )
        if data.get("cost_centres") is not None:
            message += " " + self.env._("%(count)s cost centres read.", count=len(self.cost_centre_ids))
        message = " ".join([message, *warnings])
        self.message_post(body=message, subtype_xmlid="mail.mt_note")
        return message, warnings

    def _fetch_master_data(self):
        """All remote data of a synchronisation, and warnings for parts skipped by a daily limit.

        Journals are read for open bookyears only (closed ones take no bookings); accounts for the
        newest open bookyear (they are per bookyear in Octopus, the newest is the one invoices use).
        """
        dossier_api = self._get_api()
        bookyears = dossier_api.get_bookyears()
        open_years = sorted((b for b in bookyears if not b.get("closed")), key=lambda b: b["startDate"])
        journals = {b["bookyearKey"]["id"]: dossier_api.get_journals(b["bookyearKey"]["id"]) for b in open_years}
        data = {"bookyears": bookyears, "journals": journals, "accounts": None, "vat_codes": None, "relations": None}
        warnings = []
        if open_years:
            try:
                data["accounts"] = dossier_api.get_accounts(open_years[-1]["bookyearKey"]["id"])
            except errors.DailyLimitReached:
                warnings.append(
                    self.env._("The accounts were not read again: Octopus allows it twice a day, try tomorrow.")
                )
        try:
            data["vat_codes"] = dossier_api.get_vat_codes()
        except errors.DailyLimitReached:
            warnings.append(
                self.env._("The VAT codes were not read again: Octopus allows it twice a day, try tomorrow.")
            )
        if self.company_id.octopus_cost_centre_plan_id:
            try:
                data["cost_centres"] = dossier_api.get_cost_centres()
            except errors.DailyLimitReached:
                warnings.append(
                    self.env._("The cost centres were not read again: Octopus allows it twice a day, try tomorrow.")
                )
        try:
            data["relations"] = dossier_api.find_relations()
        except errors.DailyLimitReached:
            # the push keeps the copy up to date with the modified list, or searches by VAT
            _logger.info("Octopus dossier %s: relation list not read again today (daily limit)", self.id)
        return data, warnings

    def _write_master_data(self, data):
        """Write what `_fetch_master_data` read. An empty account or VAT code list (Octopus answers
        404 "none found", e.g. for a bookyear just opened) keeps the copies rather than erasing them."""
        by_key = self.env["octopus.bookyear"]._sync_bookyears(self, data["bookyears"])
        for key, journals in data["journals"].items():
            self.env["octopus.journal"]._sync_journals(self, by_key[key], journals)
        vals = {"last_sync_date": fields.Datetime.now()}
        if data["accounts"]:
            self.env["octopus.account"]._sync_accounts(self, data["accounts"])
            vals["accounts_sync_date"] = vals["last_sync_date"]
        if data["vat_codes"]:
            self.env["octopus.vat.code"]._sync_vat_codes(self, data["vat_codes"])
        if data.get("cost_centres") is not None:
            self.env["octopus.cost.centre"]._sync_cost_centres(self, data["cost_centres"])
            vals["cost_centres_read_at"] = vals["last_sync_date"]
        if data["relations"] is not None:
            # sudo: the copy belongs to the addon, like the relation links
            self.env["octopus.relation"].sudo()._sync_relations(self, data["relations"], full=True)
        self.write(vals)

    def action_unlink_company(self):
        """Forget the link (and the copies of Octopus data); the company can be linked again."""
        company = self.company_id
        self.unlink()
        return self.env["octopus.connection"]._notify(
            self.env._("Octopus"),
            self.env._("%(company)s is no longer linked to an Octopus dossier.", company=company.name),
            "success",
            {"type": "ir.actions.client", "tag": "soft_reload"},
        )

    def action_check_mapping(self):
        self.ensure_one()
        problems = self.with_company(self.company_id)._mapping_problems()
        title = self.env._("Octopus mapping of %(company)s", company=self.company_id.name)
        if not problems:
            message = self.env._("Every journal, account and tax Odoo sends has its Octopus counterpart.")
            self._octopus_log(message)
            return self.connection_id._notify(title, message, "success")
        self._octopus_log(self.env._("Mapping check: %(count)s problem(s) found.", count=len(problems)), problems)
        return self.connection_id._notify(title, "\n".join(problems), "warning")

    def _octopus_log(self, message, details=()):
        """A note in the dossier's chatter: the toast goes, the history of syncs and checks stays."""
        body = Markup("<p>%s</p>") % message
        if details:
            body += Markup("<ul>%s</ul>") % Markup().join(Markup("<li>%s</li>") % line for line in details)
        # sudo: the note is the addon's record of what was read or found
        self.sudo()._message_log(body=body)

    def _open_list(self, model, name):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "list,form",
            "domain": [("dossier_id", "=", self.id)],
        }

    def action_open_bookyears(self):
        return self._open_list("octopus.bookyear", self.env._("Bookyears"))

    def action_open_journals(self):
        return self._open_list("octopus.journal", self.env._("Octopus journals"))

    def action_open_accounts(self):
        return self._open_list("octopus.account", self.env._("Octopus accounts"))

    def action_open_vat_codes(self):
        return self._open_list("octopus.vat.code", self.env._("Octopus VAT codes"))

    # -- mapping check -------------------------------------------------------------------------

    def _mapping_problems(self):
        """Translated sentences, one per missing or wrong mapping, so nothing surfaces at push time."""
        return [problem for _record, problem in self._mapping_problem_items()]

    def _mapping_problem_items(self):
        """(record to fix, sentence) per missing or wrong mapping; the record may be empty."""
        self.ensure_one()
        if not self.bookyear_ids:
            return [(self, self.env._("The bookyears are not synchronised yet: press 'Synchronise bookyears'."))]
        problems = []
        company = self.company_id
        journals = (
            self.env["account.journal"]
            .with_company(company)
            .search([("company_id", "=", company.id), ("type", "in", ("sale", "purchase"))])
        )
        for journal in journals:
            problems += [(journal, problem) for problem in journal._octopus_mapping_problems(self)]
        for journal in journals.filtered("default_account_id"):
            account = journal.default_account_id.with_company(company)
            problems += [
                (account, problem)
                for problem in account._octopus_usage_problems(
                    self, journal, self.env._("used by journal %(journal)s", journal=journal.name)
                )
            ]
        problems += [
            (self.env["account.account"], problem)
            for problem in self.env["account.account"]._octopus_override_problems(self)
        ]
        problems += self._cost_centre_problem_items()
        taxes = self.env["account.tax"].search(
            [
                ("company_id", "=", company.id),
                ("type_tax_use", "in", ("sale", "purchase")),
                ("amount_type", "!=", "group"),
            ]
        )
        for tax in taxes:
            problems += [(tax, problem) for problem in tax._octopus_mapping_problems(self)]
        for bank in journals.octopus_payment_journal_id.bank_account_id:
            problems += [(bank, problem) for problem in bank._octopus_problems()]
        return list(dict.fromkeys(problems))
