"""18.0.1.0.0 → 18.0.2.0.0: the Octopus outbox moves from account.move's columns to octopus.booking.

Each move with an Octopus state gets its invoice booking, and one with a payment state its payment
booking: states, waiting reasons, next tries, retry counts, Octopus keys (bookyear, journal,
number), send times, check-needed flags and messages are kept; each attempt is linked to its
booking. The old columns are dropped by Odoo afterwards (their fields no longer exist). The cron
record is ``noupdate``: it is pointed at the booking model here.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

PENDING = ("to_send", "sending", "waiting", "uncertain")  # the states that carry a next try
OLD_COLUMNS = {  # 18.0.1.0.0's account_move columns of each booking
    "invoice": {
        "state": "octopus_state",
        "message": "octopus_message",
        "journal_key": "octopus_journal_key",
        "document_nr": "octopus_document_nr",
        "number": "octopus_number",
        "sent_at": "octopus_sent_at",
        "check_needed": "octopus_check_needed",
    },
    "payment": {
        "state": "octopus_payment_state",
        "message": "octopus_payment_message",
        "journal_key": "octopus_payment_journal_key",
        "document_nr": "octopus_payment_document_nr",
        "number": "octopus_payment_number",
        "sent_at": "octopus_payment_sent_at",
        "check_needed": "octopus_payment_check_needed",
    },
}


def migrate(cr, version):
    if not version:
        return
    migrate_outbox(api.Environment(cr, SUPERUSER_ID, {}))


def migrate_outbox(env):
    """Create the booking rows from the 18.0.1.0.0 columns of account_move (SQL: thousands of rows)."""
    cr = env.cr
    cr.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'account_move' "
        "AND column_name = 'octopus_payment_journal_key'"
    )
    if not cr.fetchone():
        return
    # The shared columns (waiting reason, next try, retry count) belonged to whichever booking was still
    # on its way: the invoice's, or the payment's once the invoice was sent.
    for kind, columns in OLD_COLUMNS.items():
        state = SQL.identifier(columns["state"])
        cr.execute(
            SQL(
                """
            INSERT INTO octopus_booking (move_id, company_id, kind, state, waiting_reason, message, next_try,
                                         retry_count, bookyear_id, journal_key, document_nr, number, sent_at,
                                         check_needed, reread_journals, create_uid, create_date, write_uid,
                                         write_date)
            SELECT id, company_id, %(kind)s, %(state)s,
                   CASE WHEN %(state)s IN %(pending)s THEN octopus_waiting_reason END,
                   %(message)s,
                   CASE WHEN %(state)s IN %(pending)s THEN coalesce(octopus_next_try, now() at time zone 'UTC') END,
                   CASE WHEN %(state)s != 'sent' THEN coalesce(octopus_retry_count, 0) ELSE 0 END,
                   octopus_bookyear_id, %(journal_key)s, nullif(%(document_nr)s, 0),
                   CASE WHEN %(state)s = 'sent' THEN %(number)s END, %(sent_at)s,
                   coalesce(%(check_needed)s, false), false,
                   %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
              FROM account_move
             WHERE %(state)s IS NOT NULL AND (%(kind)s = 'invoice' OR octopus_state = 'sent')
                ON CONFLICT (move_id, kind) DO NOTHING
        """,
                kind=kind,
                state=state,
                pending=PENDING,
                uid=env.uid,
                **{name: SQL.identifier(column) for name, column in columns.items() if name != "state"},
            )
        )
    cr.execute("""
        UPDATE octopus_push_attempt attempt
           SET booking_id = booking.id
          FROM octopus_booking booking
         WHERE booking.move_id = attempt.move_id AND booking.kind = coalesce(attempt.document, 'invoice')
           AND attempt.booking_id IS NULL
    """)
    cron = env.ref("account_octopus.ir_cron_octopus_push", raise_if_not_found=False)
    if cron:
        cron.write({"model_id": env["ir.model"]._get_id("octopus.booking"), "code": "model._cron_push()"})
