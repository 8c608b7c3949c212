from datetime import timedelta

from odoo import api, fields, models

from ..octopus import errors
from ..octopus.vat import normalize_vat

# How long the copy of a dossier's relations is trusted before the changes are asked for again.
# Octopus allows 48 "modified relations" calls a day: one per 10 minutes covers an 8-hour day.
RELATION_FRESHNESS = timedelta(minutes=10)
# The modified list is asked from a little before the last read: clocks differ, and a relation
# seen twice is simply written again.
CLOCK_MARGIN = timedelta(minutes=5)


class OctopusRelation(models.Model):
    """The dossier's relations as Octopus holds them: VAT number → relation id.

    A partner Odoo has not linked yet is looked up here instead of being searched in Octopus by VAT,
    so a new customer costs one call (the PUT that updates or creates it) instead of two
    (bench/: round trips). "Synchronise bookyears" reads the whole list (Octopus allows that twice a
    day); the push brings it up to date with the modified list when it is older than
    RELATION_FRESHNESS, and searches by VAT as before when neither call is left for today.
    """

    _name = "octopus.relation"
    _description = "Octopus relation (copy)"
    _order = "relation_key"

    dossier_id = fields.Many2one("octopus.dossier", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="dossier_id.company_id", store=True, index=True)
    relation_key = fields.Integer(string="Octopus relation id", required=True, readonly=True)
    name = fields.Char(readonly=True)
    vat_key = fields.Char(string="VAT number", index=True, readonly=True,
                          help="Normalised (country code and digits) for matching.")

    @api.model
    def _sync_relations(self, dossier, relations, deleted=(), full=False):
        """Write what Octopus answered: the whole list (`full`) or the changes since the last read."""
        rows = {}
        for relation in relations:
            key = ((relation.get("relationIdentificationServiceData") or {}).get("relationKey") or {}).get("id")
            if key:
                rows[key] = {"dossier_id": dossier.id, "relation_key": key, "name": relation.get("name"),
                             "vat_key": self._vat_key(relation.get("vatNr"))}
        gone = set(rows) | {_deleted_key(item) for item in deleted}
        old = self.search([("dossier_id", "=", dossier.id)] + ([] if full else [("relation_key", "in", list(gone))]))
        old.unlink()
        self.create(list(rows.values()))
        dossier.sudo().relations_read_at = fields.Datetime.now()

    @api.model
    def _vat_key(self, vat_nr):
        return normalize_vat(vat_nr, "BE") or False

    @api.model
    def _octopus_lookup(self, dossier, dossier_api, vat_key):
        """(known, key): whether the copy could answer, and the first relation with `vat_key` (or False).

        Not known when the copy cannot be brought up to date today (daily limit): the caller searches.
        """
        if not self._octopus_refresh(dossier, dossier_api):
            return False, False
        found = self.search([("dossier_id", "=", dossier.id), ("vat_key", "=", vat_key)], limit=1)
        return True, found.relation_key or False

    @api.model
    def _octopus_refresh(self, dossier, dossier_api):
        """Bring the copy up to date when it is stale; False when today's calls for it are used up."""
        read_at = dossier.relations_read_at
        now = fields.Datetime.now()
        if read_at and now - read_at < RELATION_FRESHNESS:
            return True
        try:
            if read_at:
                modified, deleted = dossier_api.modified_relations(read_at - CLOCK_MARGIN)
                self._sync_relations(dossier, modified, deleted)
            else:
                self._sync_relations(dossier, dossier_api.find_relations(), full=True)
        except errors.DailyLimitReached:
            return False
        return True

    @api.model
    def _octopus_add(self, dossier, relation):
        """A relation the push just created: known at once to the next partner with the same VAT."""
        self.create({
            "dossier_id": dossier.id, "name": relation.get("name"), "vat_key": self._vat_key(relation.get("vatNr")),
            "relation_key": relation["relationIdentificationServiceData"]["relationKey"]["id"]})


def _deleted_key(item):
    """A deleted entry is a relation, its identification or its key, depending on the Octopus version."""
    if isinstance(item, int):
        return item
    if isinstance(item, dict):
        ident = item.get("relationIdentificationServiceData") or item
        key = ident.get("relationKey") or ident
        return key.get("id") if isinstance(key, dict) else None
    return None
