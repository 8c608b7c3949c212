import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

from .octopus_push_run import remembered_in_run

# Belgian VAT return grids (l10n_be tax tags) that tell a 0 % or reverse-charge tax apart.
# Checked in this order: an extra-EU purchase also carries the co-contractor grid 87.
KIND_GRIDS = [
    ("intra_eu", {"44", "46L", "46T", "48s44", "48s46L", "48s46T", "86", "88", "84", "55"}),
    ("export", {"47", "57"}),
    ("cocontractor", {"45", "87", "56"}),
]
# The same, read from a tax name without tags (other charts) and from Octopus VAT codes:
# (kind, whole words, word beginnings). Export first: "Uitvoer buiten EU" is not intra-EU.
KIND_WORDS = [
    ("export", {"EX", "EXP", "EXPORT", "ROW", "IMPORT"}, ("UITVOER", "INVOER", "EXTRA")),
    ("intra_eu", {"EU", "IC", "ICL", "DIC"}, ("INTRA",)),
    ("cocontractor", {"MC", "CC", "COCONT"}, ("MEDECONTR", "COCONTR")),
]
TYPES = {"sale": ("2", "4"), "purchase": ("1", "3")}  # (normal, credit note) Octopus VAT code types


def words_kind(text):
    """'export', 'intra_eu', 'cocontractor' or 'normal' from the words of a name or code."""
    words = set(re.findall(r"[A-Z]+", (text or "").upper()))
    for kind, keys, prefixes in KIND_WORDS:
        if words & keys or any(word.startswith(prefixes) for word in words):
            return kind
    return "normal"


class AccountTax(models.Model):
    _inherit = "account.tax"

    octopus_vat_code = fields.Char(
        string="Octopus VAT code (text)",
        help="Octopus VAT code for this tax. Empty: a default is chosen among the dossier's VAT codes "
        "from the tax's rate and use (sale/purchase, intra-EU, export, co-contractor).",
    )
    octopus_vat_code_id = fields.Many2one(
        "octopus.vat.code",
        string="Octopus VAT code",
        compute="_compute_octopus_vat_code_id",
        inverse="_inverse_octopus_vat_code_id",
        domain="[('company_id', '=', company_id)]",
        help="Choose among the dossier's VAT codes (synchronised from Octopus); empty: a default is chosen "
        "from the tax's rate and use.",
    )
    octopus_vat_code_resolved = fields.Char(
        compute="_compute_octopus_vat_code_resolved",
        string="Octopus VAT code used",
        help="The VAT code invoices with this tax carry in Octopus (credit notes may use a credit-note code).",
    )

    @api.depends("octopus_vat_code", "company_id")
    def _compute_octopus_vat_code_id(self):
        """The dossier's VAT code record for the stored code: the form offers a choice, the code stays
        the one value the push reads."""
        codes = self.env["octopus.vat.code"].search(
            [
                ("company_id", "in", self.company_id.ids),
                ("code", "in", [c for c in self.mapped("octopus_vat_code") if c]),
            ]
        )
        by_key = {(c.company_id, c.code): c for c in codes}
        for tax in self:
            tax.octopus_vat_code_id = by_key.get((tax.company_id, tax.octopus_vat_code), False)

    def _inverse_octopus_vat_code_id(self):
        for tax in self:
            tax.octopus_vat_code = tax.octopus_vat_code_id.code or False

    @api.depends("octopus_vat_code", "amount", "type_tax_use", "company_id")
    def _compute_octopus_vat_code_resolved(self):
        for tax in self:
            dossier = tax.company_id.octopus_dossier_id
            code = dossier and tax._octopus_vat_code(dossier)
            if not dossier:
                tax.octopus_vat_code_resolved = False
            elif not code:
                tax.octopus_vat_code_resolved = self.env._("none")
            else:
                known = dossier.vat_code_ids.filtered(lambda c, k=code: c.code == k)
                tax.octopus_vat_code_resolved = (
                    known.display_name if known else self.env._("%(code)s (not in the dossier)", code=code)
                )

    @api.constrains("octopus_vat_code")
    def _check_octopus_vat_code(self):
        for tax in self.filtered("octopus_vat_code"):
            dossier = tax.company_id.octopus_dossier_id
            codes = dossier.vat_code_ids.mapped("code")
            if codes and tax.octopus_vat_code.strip() not in codes:
                raise ValidationError(
                    self.env._(
                        "Octopus dossier %(dossier)s has no VAT code %(code)s. Its codes are: %(codes)s.",
                        dossier=dossier.display_name,
                        code=tax.octopus_vat_code,
                        codes=", ".join(codes),
                    )
                )

    def _octopus_is_vat(self):
        """VAT is a percentage of the base; a fixed-amount tax (Recupel, Bebat) is a levy booked on its own line."""
        return all(tax.amount_type in ("percent", "division") for tax in self)

    @remembered_in_run
    def _octopus_vat_code(self, dossier, refund=False):
        """The Octopus VAT code for this tax in `dossier`, or False when none fits.

        The tax's own code comes first. Otherwise: a code of the dossier for the same use (sale or
        purchase; for credit notes a credit-note code when the dossier has one), the same kind
        (normal, intra-EU, export, co-contractor) and the same rate. A special kind with no code of
        that rate takes the only code of that kind (Octopus' reverse-charge codes are often 0 %).
        """
        self.ensure_one()
        if self.octopus_vat_code:
            return self.octopus_vat_code.strip()
        if self.type_tax_use not in TYPES or self.amount_type not in ("percent", "division"):
            return False
        normal, credit_note = TYPES[self.type_tax_use]
        kind = self._octopus_tax_kind()
        for vat_type in (credit_note, normal) if refund else (normal,):
            candidates = dossier.vat_code_ids.filtered(
                lambda c, t=vat_type: c.vat_type == t and words_kind(f"{c.code} {c.name}") == kind
            )
            same_rate = candidates.filtered(lambda c: not float_compare(c.percentage, self.amount, 2))
            if same_rate:
                return self._octopus_best_code(same_rate).code
            if kind != "normal" and len(candidates) == 1:
                return candidates.code
        return False

    def _octopus_best_code(self, codes):
        """Among codes of equal rate, the plainest: its digits are the rate ("21", "D21"), then the shortest."""
        rate = f"{int(self.amount):02d}" if float(self.amount).is_integer() else ""
        return codes.sorted(lambda c: (re.sub(r"\D", "", c.code) != rate, len(c.code), c.code))[:1]

    @remembered_in_run
    def _octopus_tax_kind(self):
        """normal / intra_eu / export / cocontractor, from the Belgian grids, else from the name."""
        self.ensure_one()
        grids = {
            re.sub(r"^[+-]", "", tag.name or "")
            for tag in self.invoice_repartition_line_ids.tag_ids | self.refund_repartition_line_ids.tag_ids
        }
        if grids:
            for kind, kind_grids in KIND_GRIDS:
                if grids & kind_grids:
                    return kind
            return "normal"
        return words_kind(f"{self.name} {self.description or ''}")

    @remembered_in_run
    def _octopus_mapping_problems(self, dossier, refund=False):
        """Sentences naming what keeps this tax from being sent to `dossier` (the mapping check's and
        the push's)."""
        self.ensure_one()
        code = self._octopus_vat_code(dossier, refund=refund)
        if not code and not self._octopus_is_vat():
            return []  # a levy books under the VAT charged on it; one outside the VAT base is checked per invoice
        if not code:
            return [
                self.env._(
                    "Tax %(tax)s has no Octopus VAT code of dossier %(dossier)s: set one on the tax.",
                    tax=self.display_name,
                    dossier=dossier.display_name,
                )
            ]
        if code not in dossier.vat_code_ids.mapped("code"):
            return [
                self.env._(
                    "Tax %(tax)s uses Octopus VAT code %(code)s, which dossier %(dossier)s does not have.",
                    tax=self.display_name,
                    code=code,
                    dossier=dossier.display_name,
                )
            ]
        return []
