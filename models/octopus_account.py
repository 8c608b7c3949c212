from odoo import api, fields, models
from odoo.osv import expression

from .octopus_bookyear import write_changed

# The class of the Belgian chart a journal's lines usually go to, by Octopus journal type:
# 7 (revenue) for sales, 6 (costs) for purchases.
USUAL_CLASS = {"V": "7", "A": "6"}


def octopus_text(value, lang):
    """A text from Octopus in the user's language: plain, or a StringServiceData
    {"description_NL", "description_FR", "description_EN", "description_DE"}."""
    if not isinstance(value, dict):
        return value or ""
    first = (lang or "nl")[:2].upper()
    for code in (first, "NL", "FR", "EN", "DE"):
        text = value.get(f"description_{code}")
        if text:
            return text
    return ""


class OctopusAccount(models.Model):
    """A general-ledger account of the dossier (Octopus keys accounts by their number)."""

    _name = "octopus.account"
    _description = "Octopus account"
    _order = "number"
    _rec_names_search = ["number_text", "name"]

    dossier_id = fields.Many2one("octopus.dossier", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="dossier_id.company_id", store=True, index=True)
    number = fields.Integer(required=True, readonly=True)
    number_text = fields.Char(compute="_compute_number_text", store=True, string="Number (text)")
    name = fields.Char(readonly=True)
    cost_centre_type = fields.Selection(
        [("0", "None"), ("1", "Mandatory"), ("2", "Optional")],
        string="Cost centre",
        default="0",
        readonly=True,
        help="Whether Octopus takes a cost centre on this account's booking lines (costCentreType).",
    )
    default_cost_centre_key = fields.Integer(
        string="Default cost centre", readonly=True, help="Booked on lines that need a cost centre and have none."
    )

    _sql_constraints = [
        ("unique_number", "unique(dossier_id, number)", "An account number is unique per dossier."),
    ]

    @api.depends("number")
    def _compute_number_text(self):
        # Lets users find "7000" by typing its first digits in a many2one.
        for account in self:
            account.number_text = str(account.number)

    def _compute_display_name(self):
        for account in self:
            account.display_name = f"{account.number} {account.name or ''}".strip()

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        """With `octopus_journal_type` in the context (a journal's default account), the accounts of
        the journal's usual class come first; the others follow, so any account can still be chosen."""
        first = USUAL_CLASS.get(self.env.context.get("octopus_journal_type"))
        if not first:
            return super().name_search(name, args, operator, limit)
        in_class = [("number_text", "=like", f"{first}%")]
        found = super().name_search(name, expression.AND([args or [], in_class]), operator, limit)
        if limit and len(found) >= limit:
            return found
        rest = expression.AND([args or [], ["!", *in_class]])
        return found + super().name_search(name, rest, operator, limit and limit - len(found))

    @api.model
    def _sync_accounts(self, dossier, accounts):
        """Make the dossier's accounts those of GET /accounts.

        An account Octopus no longer lists is removed (mappings to it then show in the mapping check).
        """
        existing = {a.number: a for a in self.search([("dossier_id", "=", dossier.id)])}
        seen = set()
        for data in accounts:
            number = int(data["accountKey"]["id"])
            seen.add(number)
            vals = {
                "name": octopus_text(data.get("description"), self.env.lang),
                "cost_centre_type": str(data.get("costCentreType") or 0),
                "default_cost_centre_key": (data.get("defaultCostCentreKey") or {}).get("id") or 0,
            }
            account = existing.get(number)
            if account:
                write_changed(account, vals)
            else:
                self.create({"dossier_id": dossier.id, "number": number, **vals})
        self.browse(a.id for n, a in existing.items() if n not in seen).unlink()
