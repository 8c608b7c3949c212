from odoo import fields, models


class OctopusCallCounter(models.Model):
    """Calls made today per dossier and Octopus operation, to stop before a daily limit."""

    _name = "octopus.call.counter"
    _description = "Octopus daily call counter"
    _order = "day desc, operation"

    connection_id = fields.Many2one("octopus.connection", required=True, ondelete="cascade", index=True)
    octopus_dossier_key = fields.Integer(string="Dossier id", help="0 for calls made before a dossier is chosen.")
    day = fields.Date(required=True, index=True)
    operation = fields.Char(required=True)
    count = fields.Integer(default=0)

    _sql_constraints = [
        ("unique_day_operation", "unique(connection_id, octopus_dossier_key, day, operation)",
         "One counter per connection, dossier, day and operation."),
    ]
