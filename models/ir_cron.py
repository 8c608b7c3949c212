from odoo import models

from .account_move import CRON_XMLID


class IrCron(models.Model):
    _inherit = "ir.cron"

    def method_direct_trigger(self):
        """"Run manually" on the Octopus push means "try now": dossiers paused because a journal was
        open in Octopus are tried at once instead of at the next hourly retry."""
        cron = self.env.ref(CRON_XMLID, raise_if_not_found=False)
        if cron and cron in self:
            # sudo: the run-by-hand button is for administrators; the pause fields belong to the push
            self.env["octopus.dossier"].sudo().search([("push_paused_until", "!=", False)])._octopus_wake()
        return super().method_direct_trigger()
