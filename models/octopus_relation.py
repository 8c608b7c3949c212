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
    vat_key = fields.Char(
        string="VAT number", index=True, readonly=True, help="Normalised (country code and digits) for matching."
    )

    @api.model
    def _sync_relations(self, dossier, relations, deleted=(), full=False):
        """Write what Octopus answered: the whole list (`full`) or the changes since the last read."""
        rows = {}
        for row in (self._row(dossier, relation) for relation in relations):
            if row:
                rows[row["relation_key"]] = row
        gone = set(rows) | {_deleted_key(item) for item in deleted}
        old = self.search([("dossier_id", "=", dossier.id)] + ([] if full else [("relation_key", "in", list(gone))]))
        old.unlink()
        self.create(list(rows.values()))
        dossier.sudo().relations_read_at = fields.Datetime.now()

    @api.model
    def _row(self, dossier, relation):
        """Create-values for one RelationServiceData (None when it carries no key)."""
        key = ((relation.get("relationIdentificationServiceData") or {}).get("relationKey") or {}).get("id")
        if not key:
            return None
        return {
            "dossier_id": dossier.id,
            "relation_key": key,
            "name": relation.get("name"),
            "vat_key": normalize_vat(relation.get("vatNr"), "BE") or False,
        }

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
        self.create(self._row(dossier, relation))


def _deleted_key(item):
    """The reference does not give the shape of a deleted entry: a key, a relation or its identification."""
    if isinstance(item, int):
        return item
    if isinstance(item, dict):
        ident = item.get("relationIdentificationServiceData") or item
        key = ident.get("relationKey") or ident
        return key.get("id") if isinstance(key, dict) else None
    return None
