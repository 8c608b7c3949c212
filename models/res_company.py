import requests

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..octopus import errors
from ..octopus.vat import normalize_vat, to_octopus_format


class ResCompany(models.Model):
    _inherit = "res.company"

    octopus_dossier_ids = fields.One2many("octopus.dossier", "company_id")
    octopus_dossier_id = fields.Many2one(
        "octopus.dossier", compute="_compute_octopus_dossier_id", string="Octopus dossier"
    )
    octopus_check_at_post = fields.Boolean(
        string="Block posting when Octopus data is missing",
        help="When set, posting an invoice that cannot be booked in Octopus (missing mapping, "
        "closed bookyear...) is refused with the fix to make. When not set, the invoice posts "
        "and is marked failed with the same message.",
    )
    octopus_register_payments = fields.Boolean(
        string="Register Octopus payments in Odoo",
        default=True,
        help="When an invoice is balanced in Octopus (paid), register the payment in Odoo in the journal "
        "below and reconcile it, so that Odoo's payment status, follow-ups and portal are right. "
        "Without it Odoo only shows the Octopus payment status.",
    )
    octopus_payment_register_journal_id = fields.Many2one(
        "account.journal",
        string="Journal for Octopus payments",
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', id)]",
        help="For example a 'Paid in Octopus' bank journal. Without one, only the status is shown.",
    )

    octopus_cost_centre_plan_id = fields.Many2one(
        "account.analytic.plan",
        string="Analytic plan booked as Octopus cost centres",
        domain="[('parent_id', '=', False)]",
        help="Each invoice line's analytic distribution on this plan is booked in Octopus as cost centres: the line "
        "is split by the distribution's percentages. Empty: no cost centres are sent, except the default cost "
        "centre of an Octopus account that demands one.",
    )
    octopus_cost_centre_create = fields.Boolean(
        string="Create missing cost centres in Octopus",
        help="An analytic account of the plan without an Octopus cost centre gets a new one, named after it, when "
        "an invoice first uses it. Without it, set the cost centre on the analytic account.",
    )

    @api.depends("octopus_dossier_ids")
    def _compute_octopus_dossier_id(self):
        # A company the user may access shows its dossier even when it is not among the active
        # companies (the dossier's record rule follows the active ones).
        for company in self:
            # The superuser (the push) reads no user's companies: once per booking, after every commit.
            own = company if self.env.su or company in self.env.user.company_ids else company.browse()
            dossiers = own._octopus_as_active().octopus_dossier_ids if own else company.octopus_dossier_ids
            company.octopus_dossier_id = dossiers[:1]

    def _octopus_problems(self):
        """What keeps this company's invoices out of Octopus (the push's first check)."""
        self.ensure_one()
        if not self.octopus_dossier_id:
            return [
                self.env._(
                    "%(company)s is not linked to an Octopus dossier: link it in the company settings.",
                    company=self.name,
                )
            ]
        return []

    # -- linking -------------------------------------------------------------------------------

    def action_octopus_link_dossier(self):
        """Find the company's dossier by VAT number in Octopus and link it (button)."""
        self.ensure_one()
        company = self._octopus_as_active()
        return company._octopus_link(company._octopus_connections())

    def _octopus_as_active(self):
        """This company as the active one, whatever company the user works in.

        The buttons may be pressed on any company the user has access to (Settings > Companies, the
        portfolio) without switching to it first: with_company() adds it to the allowed companies,
        so the record rules of the dossier and its data apply to it, and refuses a company the user
        may not access.
        """
        self.ensure_one()
        return self.with_company(self)

    def _octopus_context(self):
        """Context of the actions opened for this company: it becomes one of the allowed companies."""
        return {"allowed_company_ids": self._octopus_as_active().env.companies.ids}

    def _octopus_connections(self):
        """Active connections to search: the company's own ones, else the shared ones."""
        connections = self.env["octopus.connection"].search([("company_id", "=", self.id)])
        return connections or self.env["octopus.connection"].search([("company_id", "=", False)])

    def _octopus_vat_key(self):
        """The company's VAT number normalised for matching; a clear error when it cannot be used."""
        self.ensure_one()
        if not self.vat:
            raise UserError(
                self.env._(
                    "%(company)s has no VAT number. Octopus dossiers are found by VAT number: fill it in "
                    "on the company (for example BE0477.472.701).",
                    company=self.name,
                )
            )
        key = self.env["res.partner"]._octopus_vat_key(self.vat, self.country_id)  # the one VAT check
        if not key:
            raise UserError(
                self.env._(
                    "The VAT number %(vat)s of %(company)s is not a valid VAT number, so no Octopus dossier "
                    "can be searched with it. Correct it on the company.",
                    vat=self.vat,
                    company=self.name,
                )
            )
        return key

    def _octopus_link(self, connections):
        """Search `connections` for dossiers with the company's VAT: one links, several ask."""
        self.ensure_one()
        if self.octopus_dossier_id:
            raise UserError(
                self.env._(
                    "%(company)s is already linked to the Octopus dossier %(dossier)s.",
                    company=self.name,
                    dossier=self.octopus_dossier_id.display_name,
                )
            )
        self.env["octopus.dossier"].check_access("create")
        vat_key = self._octopus_vat_key()
        if not connections:
            raise UserError(
                self.env._(
                    "There is no active Octopus connection for %(company)s. Create one in Accounting > "
                    "Configuration > Octopus > Connections and press 'Test connection'.",
                    company=self.name,
                )
            )
        matches = []
        for connection in connections:
            try:
                dossiers = connection._get_client().list_dossiers()
            except (errors.OctopusError, requests.RequestException) as exc:
                raise UserError(connection._error_message(exc)) from exc
            matches += [
                (connection, dossier)
                for dossier in dossiers
                if normalize_vat(dossier.get("vatNr"), self.country_id.code or "BE") == vat_key
            ]
        notify = self.env["octopus.connection"]._notify
        if not matches:
            return notify(
                self.env._("No Octopus dossier found"),
                self.env._(
                    "No Octopus dossier has the VAT number %(vat)s (searched with %(connections)s). Check the "
                    "VAT number of the company and of the dossier in Octopus.",
                    vat=to_octopus_format(vat_key),
                    connections=", ".join(connections.mapped("name")),
                ),
                "warning",
            )
        if len(matches) == 1:
            dossier = self._octopus_create_dossier(*matches[0])
            return notify(
                self.env._("Linked with Octopus"),
                dossier._link_message(),
                "success",
                {"type": "ir.actions.client", "tag": "soft_reload"},
                sticky=True,
            )
        return self.env["octopus.link.wizard"]._open(self, vat_key, matches)

    def _octopus_create_dossier(self, connection, data):
        """Create the link for one DossierServiceData, refusing a dossier another company holds."""
        self.ensure_one()
        key = data["dossierKey"]["id"]
        # sudo: the other company holding this dossier may be outside the user's companies; only
        # whether it exists (and its name when the user may see it) is used.
        taken = (
            self.env["octopus.dossier"]
            .sudo()
            .search([("octopus_key", "=", key), ("connection_id.url", "=", connection.url)], limit=1)
        )
        if taken:
            holder = (
                taken.company_id.name
                if taken.company_id in self.env.user.company_ids
                else self.env._("another company")
            )
            raise UserError(
                self.env._(
                    "The Octopus dossier %(dossier)s is already linked to %(holder)s.",
                    dossier=taken.name,
                    holder=holder,
                )
            )
        dossier = self.env["octopus.dossier"].create(
            {
                "name": data.get("dossierDescription") or str(key),
                "connection_id": connection.id,
                "company_id": self.id,
                "octopus_key": key,
                "vat": data.get("vatNr") or self.vat,
            }
        )
        dossier.message_post(body=dossier._link_message(), subtype_xmlid="mail.mt_note")
        return dossier

    def action_octopus_open_dossier(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "octopus.dossier",
            "view_mode": "form",
            "res_id": self._octopus_as_active().octopus_dossier_id.id,
            "context": self._octopus_context(),
        }

    def action_octopus_sync_bookyears(self):
        self.ensure_one()
        return self._octopus_as_active().octopus_dossier_id.action_sync_bookyears()

    def action_octopus_unlink_dossier(self):
        self.ensure_one()
        return self._octopus_as_active().octopus_dossier_id.action_unlink_company()
