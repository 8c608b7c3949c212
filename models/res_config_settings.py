from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    octopus_dossier_id = fields.Many2one(related="company_id.octopus_dossier_id")
    octopus_check_at_post = fields.Boolean(related="company_id.octopus_check_at_post", readonly=False)
    octopus_register_payments = fields.Boolean(related="company_id.octopus_register_payments", readonly=False)
    octopus_payment_register_journal_id = fields.Many2one(
        related="company_id.octopus_payment_register_journal_id",
        readonly=False,
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id)]",
    )

    octopus_cost_centre_plan_id = fields.Many2one(related="company_id.octopus_cost_centre_plan_id", readonly=False)
    octopus_cost_centre_create = fields.Boolean(related="company_id.octopus_cost_centre_create", readonly=False)

    def action_octopus_link_dossier(self):
        return self.company_id.action_octopus_link_dossier()

    def action_octopus_open_dossier(self):
        return self.company_id.action_octopus_open_dossier()

    def action_octopus_open_connections(self):
        return self.env["ir.actions.act_window"]._for_xml_id("account_octopus.action_octopus_connection")
