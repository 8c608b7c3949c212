from unittest.mock import patch

from odoo.tests import tagged

from ..models.octopus_push_run import PushSession
from .push_common import PushCommon


@tagged("post_install", "-at_install")
class TestPushRunMemo(PushCommon):
    """A push run works the mapping out once for all its bookings (each of its commits empties Odoo's
    cache, issue 16), and the next run books with a mapping changed meanwhile."""

    def _push_counting(self):
        """One run; returns the names of the lookups the run computed (not taken from its memo)."""
        computed = []
        remember = PushSession.remember

        def counting(session, key, compute):
            def traced():
                computed.append(key[0])
                return compute()

            return remember(session, key, traced)

        with patch.object(PushSession, "remember", counting):
            self._push()
        return computed

    def test_one_run_works_out_a_tax_code_and_an_account_once(self):
        invoices = [self._move(lines=[(100.0 * n, self.tax_sale_21)]) for n in (1, 2, 3)]
        computed = self._push_counting()

        self.assertEqual([move.octopus_state for move in invoices], ["sent"] * 3)
        self.assertEqual(computed.count("AccountTax._octopus_vat_code"), 1, "one tax, one refund flag: once")
        self.assertEqual(computed.count("AccountAccount._octopus_account_number"), 1, "one income account: once")
        self.assertEqual([line["bookingLines"][0]["vatCodeKey"] for line in self._booked()], ["21"] * 3)

    def test_the_next_run_books_on_an_account_changed_meanwhile(self):
        first = self._move(lines=[(100.0, self.tax_sale_21)])
        self._push()
        account = first.invoice_line_ids.account_id
        self.assertEqual(self._booked()[-1]["bookingLines"][0]["accountKey"], 700000)

        account.octopus_account_number = 701000
        second = self._move(lines=[(100.0, self.tax_sale_21)])
        self._push()

        self.assertEqual(second.octopus_state, "sent")
        self.assertEqual(self._booked()[-1]["bookingLines"][0]["accountKey"], 701000, "not the first run's 700000")
        self.assertEqual(account._octopus_account_number(self.dossier), 701000, "the forms see it at once too")

    def _booked(self):
        return [stored["booking"] for stored in self._bookings("V1")]
