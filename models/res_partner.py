from odoo import api, models

from ..octopus.vat import is_valid_be_vat, normalize_vat
from .octopus_push_run import remembered_in_run


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _octopus_vat_key(self, vat, country=None, is_company=True):
        """`vat` normalised for Octopus ("BE0477472701"), or False when it is not a valid VAT number:
        Belgian numbers by their check digits, others by base_vat's own (offline) check."""
        key = normalize_vat(vat, country.code if country else "BE")
        if key and key.startswith("BE"):
            return key if is_valid_be_vat(key) else False
        return key if key and self._run_vat_test(key, country or False, is_company) else False

    @remembered_in_run
    def _octopus_problems(self):
        """Sentences naming what keeps this (commercial) partner from being an Octopus relation."""
        if not self:
            return [self.env._("The move has no partner: Octopus books every invoice on a customer or supplier.")]
        self.ensure_one()
        if self.vat and not self._octopus_vat_key(self.vat, self.country_id, self.is_company):
            return [
                self.env._(
                    "The VAT number %(vat)s of %(partner)s is not valid: correct it on the partner.",
                    vat=self.vat,
                    partner=self.display_name,
                )
            ]
        return []
