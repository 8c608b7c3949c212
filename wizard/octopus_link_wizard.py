from odoo import api, fields, models


class OctopusLinkWizard(models.TransientModel):
    """Several Octopus dossiers carry the company's VAT number: the user picks one."""

    _name = "octopus.link.wizard"
    _description = "Choose the Octopus dossier of a company"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    vat = fields.Char(string="VAT number searched", readonly=True)
    line_ids = fields.One2many("octopus.link.wizard.line", "wizard_id", readonly=True)

    @api.model
    def _open(self, company, vat_key, matches):
        """Wizard listing `matches` [(connection, DossierServiceData)]."""
        wizard = self.create(
            {
                "company_id": company.id,
                "vat": vat_key,
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "connection_id": connection.id,
                            "octopus_key": data["dossierKey"]["id"],
                            "name": data.get("dossierDescription") or str(data["dossierKey"]["id"]),
                            "dossier_vat": data.get("vatNr"),
                            "city": data.get("city"),
                        },
                    )
                    for connection, data in matches
                ],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Choose the Octopus dossier of %(company)s", company=company.name),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }


class OctopusLinkWizardLine(models.TransientModel):
    _name = "octopus.link.wizard.line"
    _description = "Octopus dossier to choose from"

    wizard_id = fields.Many2one("octopus.link.wizard", required=True, ondelete="cascade")
    connection_id = fields.Many2one("octopus.connection", required=True, readonly=True)
    octopus_key = fields.Integer(string="Octopus dossier id", readonly=True)
    name = fields.Char(string="Dossier", readonly=True)
    dossier_vat = fields.Char(string="VAT number", readonly=True)
    city = fields.Char(readonly=True)

    def action_link(self):
        """Link the wizard's company to this dossier."""
        self.ensure_one()
        company = self.wizard_id.company_id._octopus_as_active()
        dossier = company._octopus_create_dossier(self.connection_id, {
            "dossierKey": {"id": self.octopus_key}, "dossierDescription": self.name, "vatNr": self.dossier_vat})
        return self.env["octopus.connection"]._notify(
            self.env._("Linked with Octopus"), dossier._link_message(), "success",
            {"type": "ir.actions.act_window_close"}, sticky=True)
