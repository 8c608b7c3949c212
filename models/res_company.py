from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    octopus_dossier_ids = fields.One2many("octopus.dossier", "company_id")
    octopus_dossier_id = fields.Many2one("octopus.dossier", compute="_compute_octopus_dossier_id",
                                         string="Octopus dossier")
    octopus_check_at_post = fields.Boolean(
        string="Block posting when Octopus data is missing",
        help="When set, posting an invoice that cannot be booked in Octopus (missing mapping, "
             "closed bookyear...) is refused with the fix to make. When not set, the invoice posts "
             "and is marked failed with the same message.")

    def _compute_octopus_dossier_id(self):
        for company in self:
            company.octopus_dossier_id = company.octopus_dossier_ids[:1]
