from odoo import fields, models


class OctopusRelationLink(models.Model):
    """Which Octopus relation stands for a commercial partner in a dossier.

    Remembered after the first push so the next invoice needs no relation search.
    """

    _name = "octopus.relation.link"
    _description = "Octopus relation of a partner"

    dossier_id = fields.Many2one("octopus.dossier", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="dossier_id.company_id", store=True, index=True)
    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=True)
    relation_key = fields.Integer(string="Octopus relation id", required=True)
    client = fields.Boolean()
    supplier = fields.Boolean()

    _sql_constraints = [
        ("unique_partner", "unique(dossier_id, partner_id)", "One Octopus relation per partner and dossier."),
    ]
