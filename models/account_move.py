from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    octopus_state = fields.Selection(
        [("to_send", "To send"), ("sending", "Sending"), ("sent", "Sent"), ("waiting", "Waiting"),
         ("uncertain", "Uncertain"), ("failed", "Failed")],
        string="Octopus", copy=False, index="btree_not_null", readonly=True, tracking=True)
    octopus_waiting_reason = fields.Selection([("lock", "Journal open in Octopus"),
                                               ("limit", "Daily limit reached"),
                                               ("network", "Octopus unreachable")],
                                              copy=False, readonly=True)
    octopus_message = fields.Text(copy=False, readonly=True)
    octopus_next_try = fields.Datetime(copy=False, readonly=True, index="btree_not_null")
    octopus_bookyear_id = fields.Many2one("octopus.bookyear", copy=False, readonly=True)
    octopus_journal_key = fields.Char(copy=False, readonly=True)
    octopus_document_nr = fields.Integer(string="Octopus number", copy=False, readonly=True)
    octopus_payment_document_nr = fields.Integer(copy=False, readonly=True)
    octopus_attempt_ids = fields.One2many("octopus.push.attempt", "move_id", readonly=True)
