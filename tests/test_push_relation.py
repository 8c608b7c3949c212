from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.account_octopus.sandbox import relations as sandbox_relations

from .common import DEMO_DOSSIER_ID
from .push_common import PushCommon

SEARCH = "GET /dossiers/{dossierId}/relations"
PUT = "PUT /dossiers/{dossierId}/relations"
MODIFIED = "GET /dossiers/{dossierId}/relations/modified"


@tagged("post_install", "-at_install")
class TestPushRelation(PushCommon):
    """Customers and suppliers are found in Octopus by VAT, kept up to date, or created."""

    def _relation(self, key):
        return next(
            r
            for r in self.sandbox.state.dossiers[DEMO_DOSSIER_ID].relations
            if r["relationIdentificationServiceData"]["relationKey"]["id"] == key
        )

    def _relations_with_external_id(self, external_id):
        return [
            r
            for r in self.sandbox.state.dossiers[DEMO_DOSSIER_ID].relations
            if r["relationIdentificationServiceData"].get("externalRelationId") == external_id
        ]

    def setUp(self):
        super().setUp()
        self.dossier.relations_read_at = fields.Datetime.now()  # the copy read by the class's sync is fresh

    def _typed_in_octopus(self, name, vat):
        """A relation the accountant creates in Octopus itself, after Odoo read the dossier's relations."""
        state = self.sandbox.state
        created = sandbox_relations.upsert(
            state.dossiers[DEMO_DOSSIER_ID],
            {
                "currencyCode": "EUR",
                "name": name,
                "vatNr": vat,
                "client": True,
                "relationIdentificationServiceData": {},
            },
            state.now(),
        )
        return created["relationIdentificationServiceData"]["relationKey"]["id"]

    def _partner(self, name, vat):
        return self.env["res.partner"].create(
            {"name": name, "is_company": True, "vat": vat, "country_id": self.env.ref("base.be").id}
        )

    def test_relation_found_by_vat_and_remembered(self):
        self._move()
        self._push()
        self.assertEqual(
            self._bookings()[0]["booking"]["relationIdentificationServiceData"], {"relationKey": {"id": 1}}
        )
        link = self.env["octopus.relation.link"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual((link.relation_key, link.client, link.supplier), (1, True, False))
        self.assertEqual(
            (self._calls(SEARCH), self._calls(PUT)),
            (0, 1),
            "found in the dossier's copy of its relations: only the update is a call",
        )

        second = self._move()
        self._push()
        self.assertEqual(second.octopus_state, "sent")
        self.assertEqual((self._calls(SEARCH), self._calls(PUT)), (0, 1), "the next invoice needs no call")

    def test_relation_typed_in_octopus_is_found_once_the_copy_is_refreshed(self):
        key = self._typed_in_octopus("Frituur De Hoek", "BE0403.019.261")
        self.dossier.relations_read_at = fields.Datetime.now() - timedelta(hours=1)
        partner = self._partner("Frituur De Hoek BV", "BE0403019261")
        self._move(partner=partner)
        self._push()

        self.assertEqual(
            self._bookings()[0]["booking"]["relationIdentificationServiceData"], {"relationKey": {"id": key}}
        )
        same_vat = [
            r for r in self.sandbox.state.dossiers[DEMO_DOSSIER_ID].relations if r.get("vatNr") == "BE0403.019.261"
        ]
        self.assertEqual(len(same_vat), 1, "no second relation for the same VAT number")
        self.assertEqual(same_vat[0]["name"], "Frituur De Hoek BV", "updated with Odoo's data")
        self.assertEqual((self._calls(MODIFIED), self._calls(SEARCH), self._calls(PUT)), (1, 0, 1))
        self.assertAlmostEqual(self.dossier.relations_read_at, fields.Datetime.now(), delta=timedelta(minutes=1))

    def test_relation_searched_by_vat_when_the_copy_cannot_be_refreshed_today(self):
        key = self._typed_in_octopus("Frituur De Hoek", "BE0403.019.261")
        self.dossier.relations_read_at = fields.Datetime.now() - timedelta(hours=1)
        counter = self.env["octopus.call.counter"]
        for _i in range(counter._allowed("GET /relations/modified")):
            counter._count_call(self.connection.id, "GET /relations/modified", DEMO_DOSSIER_ID)
        self._move(partner=self._partner("Frituur De Hoek BV", "BE0403019261"))
        self._push()

        self.assertEqual(
            self._bookings()[0]["booking"]["relationIdentificationServiceData"], {"relationKey": {"id": key}}
        )
        self.assertEqual((self._calls(MODIFIED), self._calls(SEARCH), self._calls(PUT)), (0, 1, 1))

    def test_never_read_copy_is_read_whole_once(self):
        self.dossier.relation_ids.sudo().unlink()
        self.dossier.relations_read_at = False
        self._move(partner=self._partner("Frituur De Hoek BV", "BE0403019261"))
        self._move()
        self._push()
        self.assertEqual(self._calls(SEARCH), 1, "one unfiltered read, then both partners are looked up locally")
        self.assertEqual(self.dossier.relation_ids.filtered(lambda r: r.vat_key == "BE0412345614").relation_key, 1)
        self.assertEqual(len(self._bookings()), 2)

    def test_found_relation_updated_with_odoo_data(self):
        self._move()
        self._push()
        relation = self._relation(1)
        self.assertEqual(
            (relation["name"], relation["email"], relation["streetAndNr"], relation["vatNr"]),
            ("Bakkerij Peeters", "boekhouding@peeters.be", "Veldstraat 12", "BE0412.345.614"),
        )
        self.assertTrue(relation["client"])

        # The same partner now sells to us: the relation becomes a supplier too, and stays a client.
        self._move("in_invoice", partner=self.customer)
        self._push()
        relation = self._relation(1)
        self.assertEqual((relation["client"], relation["supplier"]), (True, True))
        link = self.env["octopus.relation.link"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual((link.client, link.supplier), (True, True))

    def test_relation_created_when_not_in_octopus(self):
        studio = self.env["res.partner"].create(
            {
                "name": "Studio Lumière SRL",
                "is_company": True,
                "vat": "BE0871717224",
                "country_id": self.env.ref("base.be").id,
                "street": "Rue Neuve 10",
                "zip": "1000",
                "city": "Bruxelles",
            }
        )
        before = len(self.sandbox.state.dossiers[DEMO_DOSSIER_ID].relations)
        self._move(partner=studio)
        self._push()

        [created] = self._relations_with_external_id(studio.id)
        self.assertEqual(len(self.sandbox.state.dossiers[DEMO_DOSSIER_ID].relations), before + 1)
        self.assertEqual(
            (created["name"], created["vatNr"], created["city"], created["client"], created["vatType"]),
            ("Studio Lumière SRL", "BE0871.717.224", "Bruxelles", True, 1),
        )
        key = created["relationIdentificationServiceData"]["relationKey"]["id"]
        self.assertEqual(
            self._bookings()[0]["booking"]["relationIdentificationServiceData"], {"relationKey": {"id": key}}
        )
        self.assertEqual((self._calls(SEARCH), self._calls(PUT)), (0, 1), "a new customer costs one call")
        self.assertEqual(
            self.dossier.relation_ids.filtered(lambda r: r.vat_key == "BE0871717224").relation_key,
            key,
            "known at once to the next partner with that VAT number",
        )

    def test_partner_without_vat_matched_by_external_id(self):
        private = self.env["res.partner"].create(
            {"name": "An Peeters", "country_id": self.env.ref("base.be").id, "city": "Gent"}
        )
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
