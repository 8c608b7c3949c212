from odoo.tests import tagged

from .common import DEMO_DOSSIER_ID
from .push_common import PushCommon

SEARCH = "GET /dossiers/{dossierId}/relations"
PUT = "PUT /dossiers/{dossierId}/relations"


@tagged("post_install", "-at_install")
class TestPushRelation(PushCommon):
    """Customers and suppliers are found in Octopus by VAT, kept up to date, or created."""

    def _relation(self, key):
        return next(r for r in self.sandbox.state.dossiers[DEMO_DOSSIER_ID].relations
                    if r["relationIdentificationServiceData"]["relationKey"]["id"] == key)

    def _relations_with_external_id(self, external_id):
        return [r for r in self.sandbox.state.dossiers[DEMO_DOSSIER_ID].relations
                if r["relationIdentificationServiceData"].get("externalRelationId") == external_id]

    def test_relation_found_by_vat_and_remembered(self):
        self._move()
        self._push()
        self.assertEqual(self._bookings()[0]["booking"]["relationIdentificationServiceData"],
                         {"relationKey": {"id": 1}})
        link = self.env["octopus.relation.link"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual((link.relation_key, link.client, link.supplier), (1, True, False))
        self.assertEqual((self._calls(SEARCH), self._calls(PUT)), (1, 1))

        second = self._move()
        self._push()
        self.assertEqual(second.octopus_state, "sent")
        self.assertEqual((self._calls(SEARCH), self._calls(PUT)), (1, 1), "the next invoice needs no search")

    def test_found_relation_updated_with_odoo_data(self):
        self._move()
        self._push()
        relation = self._relation(1)
        self.assertEqual((relation["name"], relation["email"], relation["streetAndNr"], relation["vatNr"]),
                         ("Bakkerij Peeters", "boekhouding@peeters.be", "Veldstraat 12", "BE0412.345.614"))
        self.assertTrue(relation["client"])

        # The same partner now sells to us: the relation becomes a supplier too, and stays a client.
        self._move("in_invoice", partner=self.customer)
        self._push()
        relation = self._relation(1)
        self.assertEqual((relation["client"], relation["supplier"]), (True, True))
        link = self.env["octopus.relation.link"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual((link.client, link.supplier), (True, True))

    def test_relation_created_when_not_in_octopus(self):
        studio = self.env["res.partner"].create({
            "name": "Studio Lumière SRL", "is_company": True, "vat": "BE0871717224",
            "country_id": self.env.ref("base.be").id, "street": "Rue Neuve 10", "zip": "1000", "city": "Bruxelles"})
        before = len(self.sandbox.state.dossiers[DEMO_DOSSIER_ID].relations)
        self._move(partner=studio)
        self._push()

        [created] = self._relations_with_external_id(studio.id)
        self.assertEqual(len(self.sandbox.state.dossiers[DEMO_DOSSIER_ID].relations), before + 1)
        self.assertEqual((created["name"], created["vatNr"], created["city"], created["client"], created["vatType"]),
                         ("Studio Lumière SRL", "BE0871.717.224", "Bruxelles", True, 1))
        key = created["relationIdentificationServiceData"]["relationKey"]["id"]
        self.assertEqual(self._bookings()[0]["booking"]["relationIdentificationServiceData"],
                         {"relationKey": {"id": key}})

    def test_partner_without_vat_matched_by_external_id(self):
        private = self.env["res.partner"].create({
            "name": "An Peeters", "country_id": self.env.ref("base.be").id, "city": "Gent"})
        self._move(partner=private)
        self._push()
        [created] = self._relations_with_external_id(private.id)
        self.assertEqual(created["vatType"], 7, "private person in Belgium")
        self.assertEqual(self._calls(SEARCH), 0, "no VAT: nothing to search by")

        # Odoo forgot the link (e.g. the cache was cleared): the external id finds the same relation.
        self.env["octopus.relation.link"].search([("partner_id", "=", private.id)]).unlink()
        self._move(partner=private)
        self._push()
        self.assertEqual(len(self._relations_with_external_id(private.id)), 1, "not created twice")
        keys = {b["booking"]["relationIdentificationServiceData"]["relationKey"]["id"] for b in self._bookings()}
        self.assertEqual(keys, {created["relationIdentificationServiceData"]["relationKey"]["id"]})
