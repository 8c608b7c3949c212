import requests

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..octopus import errors
from ..octopus.vat import normalize_vat

# Odoo languages for an Octopus dossier's languageCode, best first (only active ones are used).
LANGUAGES = {"nl": ("nl_BE", "nl_NL"), "fr": ("fr_BE", "fr_FR"), "de": ("de_DE", "de_CH"), "en": ("en_US", "en_GB")}
CHART_TEMPLATE = "be_comp"  # l10n_be's chart of accounts for companies (PCMN/MAR)


class OctopusLinkCompanies(models.TransientModel):
    """Every dossier an Octopus login sees, next to the Odoo company with the same VAT number.

    A property manager links dozens of associations in one go, creating the missing companies from
    their dossiers, and the dossiers are then synchronised within Octopus' daily limits.
    """

    _name = "octopus.link.companies"
    _description = "Link Odoo companies to Octopus dossiers"

    connection_id = fields.Many2one("octopus.connection", required=True, readonly=True)
    line_ids = fields.One2many("octopus.link.companies.line", "wizard_id")
    can_create = fields.Boolean(compute="_compute_can_create")

    def _compute_can_create(self):
        for wizard in self:
            wizard.can_create = not wizard._create_refusal()

    def _create_refusal(self):
        """Why companies cannot be created here (False when they can)."""
        if not self.env.is_system():
            return self.env._("Only administrators (Settings > Users: Administration) may create companies.")
        if self.env.ref("base.module_l10n_be").state != "installed":
            return self.env._("Install the Belgian localisation (l10n_be) first: a new company gets its chart "
                              "of accounts.")
        return False

    @api.model
    def _open(self, connection):
        """List the login's dossiers; a row is pre-chosen when its company exists and is not linked."""
        try:
            dossiers = connection._get_client().list_dossiers()
        except (errors.OctopusError, requests.RequestException) as exc:
            raise UserError(connection._error_message(exc)) from exc
        user_companies = self.env.user.company_ids
        # sudo: a dossier may be linked to a company outside the user's; only that it is taken is shown
        linked = {d.octopus_key: d.company_id for d in self.env["octopus.dossier"].sudo().search(
            [("connection_id.url", "=", connection.url)])}
        by_vat = {}
        for company in user_companies.filtered("vat"):
            by_vat.setdefault(normalize_vat(company.vat, company.country_id.code or "BE"), company)
        lines = []
        for data in sorted(dossiers, key=lambda d: (d.get("dossierDescription") or "").lower()):
            key = data["dossierKey"]["id"]
            vat_key = normalize_vat(data.get("vatNr"), data.get("country") or "BE")
            holder = linked.get(key)
            company = holder or by_vat.get(vat_key) or self.env["res.company"]
            if holder:
                decision = "linked"
            elif company and not company.octopus_dossier_id:
                decision = "link"
            else:
                decision = "skip"
            lines.append(Command.create({
                "octopus_key": key, "name": data.get("dossierDescription") or str(key),
                "dossier_vat": data.get("vatNr"), "street": data.get("streetAndNr"), "zip": data.get("postalCode"),
                "city": data.get("city"), "country_code": data.get("country") or "BE",
                "language_code": (data.get("languageCode") or "").lower()[:2],
                # sudo().name: the holder may be a company the user cannot read
                "company_id": company.id if company in user_companies else False,
                "holder": holder.sudo().name if holder else False,
                "decision": decision,
            }))
        wizard = self.create({"connection_id": connection.id, "line_ids": lines})
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": wizard.id,
                "name": self.env._("Link companies with %(connection)s", connection=connection.name),
                "view_mode": "form", "target": "new"}

    def action_link(self):
        """Link every chosen row (creating its company when asked), then synchronise within the limits."""
        self.ensure_one()
        chosen = self.line_ids.filtered(lambda line: line.decision in ("link", "create"))
        if not chosen:
            raise UserError(self.env._("Choose 'Link' or 'Create the company' on at least one dossier."))
        if "create" in chosen.mapped("decision") and self._create_refusal():
            raise UserError(self._create_refusal())
        pairs = [(line, line.company_id if line.decision == "link" else line._create_company())
                 for line in chosen]
        # every company is the user's: allowed together, so their dossiers can be written and read
        env_companies = self.env.companies.union(*(company for _line, company in pairs))
        dossiers = self.env["octopus.dossier"].with_context(allowed_company_ids=env_companies.ids)
        for line, company in pairs:
            company = company.with_context(allowed_company_ids=env_companies.ids)
            dossiers |= company._octopus_create_dossier(self.connection_id, line._dossier_data())
        done, failed = dossiers._sync_batch()
        pending = dossiers - done
        at = pending._schedule_first_sync()
        created = chosen.filtered(lambda line: line.decision == "create")
        lines = [self.env._("%(count)s companies linked to their Octopus dossier (%(created)s created from "
                            "their dossier).", count=len(chosen), created=len(created))]
        lines += dossiers._first_sync_summary(done, failed, pending, at)
        return self.connection_id._notify(
            self.env._("Link companies"), "\n".join(lines), "warning" if failed else "success",
            {"type": "ir.actions.act_window_close"}, sticky=True)


class OctopusLinkCompaniesLine(models.TransientModel):
    _name = "octopus.link.companies.line"
    _description = "Octopus dossier and its Odoo company"
    _order = "name"

    wizard_id = fields.Many2one("octopus.link.companies", required=True, ondelete="cascade")
    octopus_key = fields.Integer(string="Octopus dossier id", readonly=True)
    name = fields.Char(string="Dossier", readonly=True)
    dossier_vat = fields.Char(string="VAT number", readonly=True)
    street = fields.Char(readonly=True)
    zip = fields.Char(readonly=True)
    city = fields.Char(readonly=True)
    country_code = fields.Char(readonly=True)
    language_code = fields.Char(string="Language", readonly=True)
    company_id = fields.Many2one("res.company", string="Odoo company", readonly=True,
                                 help="The company with the dossier's VAT number, among yours.")
    holder = fields.Char(string="Linked to", readonly=True)
    decision = fields.Selection([("link", "Link"), ("create", "Create the company"), ("skip", "Skip"),
                                 ("linked", "Already linked")], required=True, default="skip")

    @api.constrains("decision", "company_id")
    def _check_decision(self):
        for line in self:
            if line.decision == "link" and not line.company_id:
                raise ValidationError(self.env._(
                    "No company of yours has the VAT number %(vat)s of dossier %(dossier)s: choose 'Create the "
                    "company' or 'Skip'.", vat=line.dossier_vat, dossier=line.name))
            if line.decision == "create" and line.company_id:
                raise ValidationError(self.env._("Dossier %(dossier)s already has its company %(company)s: choose "
                                           "'Link'.", dossier=line.name, company=line.company_id.name))
            if line.decision == "linked" and not line.holder:
                raise ValidationError(self.env._("Dossier %(dossier)s is not linked yet: choose 'Link', 'Create the "
                                                 "company' or 'Skip'.", dossier=line.name))
            if line.decision == "link" and line.company_id.octopus_dossier_id:
                raise ValidationError(self.env._("%(company)s is already linked to an Octopus dossier.",
                                           company=line.company_id.name))

    def _dossier_data(self):
        """The DossierServiceData this row was made from, as linking expects it."""
        self.ensure_one()
        return {"dossierKey": {"id": self.octopus_key}, "dossierDescription": self.name, "vatNr": self.dossier_vat}

    def _create_company(self):
        """A company from the dossier (name, VAT number, address, language) with the Belgian chart
        of accounts, which the current user gets access to."""
        self.ensure_one()
        country = self.env["res.country"].search([("code", "=", (self.country_code or "BE").upper())], limit=1)
        company = self.env["res.company"].create({
            "name": self.name,
            "vat": normalize_vat(self.dossier_vat, country.code or "BE") or self.dossier_vat,
            "street": self.street, "zip": self.zip, "city": self.city,
            "country_id": country.id, "currency_id": self.env.ref("base.EUR").id,
        })
        codes = LANGUAGES.get(self.language_code, ())
        langs = self.env["res.lang"].search([("code", "in", codes)])
        lang = next((code for code in codes if code in langs.mapped("code")), False)
        if lang:
            company.partner_id.lang = lang
        self.env.user.write({"company_ids": [Command.link(company.id)]})
        self.env["account.chart.template"].try_loading(CHART_TEMPLATE, company, install_demo=False)
        return company
