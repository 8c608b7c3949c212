import logging

import psycopg2

from odoo import api, fields, models

from ..octopus.booking import build_relation
from ..octopus.vat import normalize_vat, same_vat, to_octopus_format

# Octopus vatType (ref §4.5): VAT-liable in Belgium / in the EU / outside; private person idem; not liable.
VAT_TYPES = {
    ("vat", "BE"): 1,
    ("vat", "EU"): 4,
    ("vat", "world"): 6,
    ("private", "BE"): 7,
    ("private", "EU"): 8,
    ("private", "world"): 9,
}
NOT_VAT_LIABLE = 10

_logger = logging.getLogger(__name__)


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

    @api.model
    def _octopus_relation_key(self, dossier, dossier_api, partner, role):
        """The Octopus relation id of `partner` (commercial) as `role` ('client' or 'supplier').

        Known link: no call, unless the role is new or the partner changed since (one PUT merge).
        Otherwise: look the VAT up in the dossier's copy of its relations (octopus.relation; a search in
        Octopus when that copy cannot be refreshed), take the first match, merge Odoo's name, address,
        e-mail and VAT into it;
        none found (or no VAT): PUT with the partner's id as externalRelationId, which Octopus
        creates, or merges into the relation that already carries that id.
        """
        partner = partner.commercial_partner_id
        # sudo: links are the addon's cache, written for whichever user's push resolves a relation
        links = self.sudo()
        link = links.search([("dossier_id", "=", dossier.id), ("partner_id", "=", partner.id)], limit=1)
        data = self._octopus_partner_data(partner)
        if link:
            if not link[role] or partner.write_date > link.write_date:
                dossier_api.put_relation(build_relation(data, relation_id=link.relation_key, **{role: True}))
                link.write({role: True})
            return link.relation_key
        key = self._octopus_known_by_vat(dossier, dossier_api, partner)
        if key:
            dossier_api.put_relation(build_relation(data, relation_id=key, **{role: True}))
        else:
            created = dossier_api.put_relation(build_relation(data, external_id=partner.id, **{role: True}))
            if created:
                key = created["relationIdentificationServiceData"]["relationKey"]["id"]
                if dossier.relations_read_at:
                    self.env["octopus.relation"].sudo()._octopus_add(dossier, created)
            else:  # merged: a relation with our external id already existed
                found = [
                    r
                    for r in dossier_api.find_relations(external_id=partner.id)
                    if r["relationIdentificationServiceData"].get("externalRelationId") == partner.id
                ]
                key = found[0]["relationIdentificationServiceData"]["relationKey"]["id"]
        try:
            with self.env.cr.savepoint():
                links.create({"dossier_id": dossier.id, "partner_id": partner.id, "relation_key": key, role: True})
        except psycopg2.IntegrityError:
            # a parallel push linked the same partner: the relation is the same one
            _logger.info("Octopus relation of partner %s already linked by a parallel push", partner.id)
        return key

    @api.model
    def _octopus_known_by_vat(self, dossier, dossier_api, partner):
        """The first Octopus relation with the partner's VAT: from the dossier's copy of its relations
        (no call while it is fresh), or searched in Octopus when the copy cannot be refreshed today."""
        vat_key = normalize_vat(partner.vat, partner.country_id.code or "BE") if partner.vat else None
        if not vat_key:
            return False
        known, key = self.env["octopus.relation"].sudo()._octopus_lookup(dossier, dossier_api, vat_key)
        return key if known else self._octopus_find_by_vat(dossier_api, vat_key)

    @api.model
    def _octopus_find_by_vat(self, dossier_api, vat_key):
        """The first Octopus relation with this normalised VAT number (confirmed here: ref §7.8)."""
        matches = [r for r in dossier_api.find_relations(vat_nr=vat_key) if same_vat(r.get("vatNr"), vat_key)]
        if not matches:
            return False
        return matches[0]["relationIdentificationServiceData"]["relationKey"]["id"]

    @api.model
    def _octopus_partner_data(self, partner):
        """Odoo's name, address, e-mail and VAT in the shape octopus.booking.build_relation takes."""
        country = partner.country_id.code or ""
        vat_key = normalize_vat(partner.vat, country or "BE") if partner.vat else None
        europe = self.env.ref("base.europe", raise_if_not_found=False)
        area = "BE" if country == "BE" else "EU" if europe and partner.country_id in europe.country_ids else "world"
        if vat_key:
            vat_type = VAT_TYPES[("vat", area)]
        else:
            vat_type = NOT_VAT_LIABLE if partner.is_company else VAT_TYPES[("private", area)]
        street = " ".join(filter(None, [partner.street, partner.street2]))
        return {
            "name": partner.name,
            "street": street,
            "zip": partner.zip,
            "city": partner.city,
            "country": country,
            "email": partner.email,
            "vat": to_octopus_format(vat_key) if vat_key else "",
            "vat_type": vat_type,
        }
