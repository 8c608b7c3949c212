from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    octopus_dossier_id = fields.Many2one(related="company_id.octopus_dossier_id")
    octopus_check_at_post = fields.Boolean(related="company_id.octopus_check_at_post", readonly=False)
