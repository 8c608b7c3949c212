"""The world the benchmarks and the fault campaign run in: generated sandbox dossiers, Belgian
companies linked to them, customers, posted invoices, a simulated clock and the call counts.

Shared by bench/bench.py, campaign/campaign.py and tests/test_fault_campaign.py. Everything here
works with real commits (the cron's own pattern); nothing here runs inside a test transaction.
Imports Odoo only inside functions' arguments (an ``env`` or a registry), so the module is cheap.
"""

import copy
import json
import random
import resource
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from unittest.mock import patch

from odoo import SUPERUSER_ID, api

from ..models.octopus_booking import PENDING
from ..octopus.vat import is_valid_be_vat, to_octopus_format
from ..sandbox import DEFAULT_SEED

USER = "bench@B99999"
PASSWORD = "bench"
SOFTWARE_HOUSE_UUID = "00000000-0000-4000-8000-000000000099"
BOOKYEAR = 2  # "2026" in every generated dossier (1 = 2025, closed)
INVOICE_YEAR = 2026

# -- sandbox seeds ---------------------------------------------------------------------------------


def be_vat(number):
    """A valid Belgian VAT number (BE0 + 7 digits + 2 check digits) made from any integer."""
    base = 4_000_000 + number % 6_000_000
    vat = f"BE0{base:07d}{97 - base % 97:02d}"
    assert is_valid_be_vat(vat), vat
    return vat


def demo_dossier():
    with open(DEFAULT_SEED, encoding="utf-8") as handle:
        seed = json.load(handle)
    return next(d for d in seed["dossiers"] if d["id"] == 1001)


def dossier_seed(dossier_id, name, vat, template=None):
    """A dossier like the demo's 1001 (journals, Belgian accounts, VAT codes), no relations."""
    dossier = copy.deepcopy(template or demo_dossier())
    dossier.update({"id": dossier_id, "description": name, "vatNr": to_octopus_format(vat), "relations": []})
    return dossier


def big_dossier_seed(dossier_id, name, vat, bookyears=10, journals=50, accounts=2000, open_years=None):
    """A large dossier for the refresh benchmark: `bookyears` years (all open unless `open_years`
    says how many of the newest are), `journals` journals, `accounts` accounts."""
    template = demo_dossier()
    first = INVOICE_YEAR - bookyears + 1
    open_years = bookyears if open_years is None else open_years
    years = [
        {
            "id": index + 1,
            "description": str(first + index),
            "start": f"{first + index}-01-01",
            "end": f"{first + index}-12-31",
            "closed": index < bookyears - open_years,
        }
        for index in range(bookyears)
    ]
    kinds = ["V", "A", "F", "D"]
    journal_list = [
        {
            "key": f"{kinds[i % 4]}{i // 4 + 1}",
            "name": f"Journal {i + 1}",
            "lastBookedDocumentNr": {str(y["id"]): 10 + i for y in years},
        }
        for i in range(journals)
    ]
    account_list = [dict(a) for a in template["accounts"]]
    used = {a["nr"] for a in account_list}
    nr = 100001
    while len(account_list) < accounts:
        if nr not in used:
            account_list.append(
                {
                    "nr": nr,
                    "description_NL": f"Rekening {nr}",
                    "description_FR": f"Compte {nr}",
                    "description_EN": f"Account {nr}",
                }
            )
        nr += 37
    return dict(
        dossier_seed(dossier_id, name, vat, template), bookyears=years, journals=journal_list, accounts=account_list
    )


def world_seed(dossiers):
    return {
        "users": [
            {
                "user": USER,
                "password": PASSWORD,
                "softwareHouseUuid": SOFTWARE_HOUSE_UUID,
                "dossiers": [d["id"] for d in dossiers],
            }
        ],
        "dossiers": dossiers,
    }


# -- Odoo set-up --------------------------------------------------------------------------------


def open_env(cr, company_ids=None):
    context = {"allowed_company_ids": list(company_ids)} if company_ids else {}
    return api.Environment(cr, SUPERUSER_ID, context)


def create_company(env, name, vat):
    """A Belgian company (be_comp chart, EUR) with the given VAT; committed."""
    be = env.ref("base.be")
    company = env["res.company"].create(
        {"name": name, "country_id": be.id, "vat": vat, "currency_id": env.ref("base.EUR").id}
    )
    env["account.chart.template"].try_loading("be_comp", company, install_demo=False)
    env.user.company_ids |= company
    env.cr.commit()  # pylint: disable=invalid-commit
    return company


def link_company(env, company, sandbox_url, payments=False):
    """Connection (own to the company), dossier linked by VAT, bookyears synchronised, sales
    journal → V1, purchase journal → A1; with `payments`, invoices also get a payment booking on F1."""
    env = env(context=dict(env.context, allowed_company_ids=company.ids))
    company = company.with_env(env)
    connection = env["octopus.connection"].create(
        {
            "name": f"Sandbox for {company.name}",
            "url": sandbox_url,
            "user": USER,
            "company_id": company.id,
            "password_input": PASSWORD,
            "software_house_uuid": SOFTWARE_HOUSE_UUID,
        }
    )
    connection.action_test_connection()
    assert connection.active, connection.last_test_message
    company.action_octopus_link_dossier()
    dossier = company.octopus_dossier_id
    assert dossier, f"no dossier linked for {company.name}"
    dossier.action_sync_bookyears()
    keys = {j.key: j for j in dossier.journal_ids}
    journals = env["account.journal"].search([("company_id", "=", company.id)])
    sale = journals.filtered(lambda j: j.type == "sale")[:1]
    purchase = journals.filtered(lambda j: j.type == "purchase")[:1]
    sale.octopus_journal_id = keys["V1"]
    purchase.octopus_journal_id = keys["A1"]
    if payments:
        bank = journals.filtered(lambda j: j.type == "bank")[:1]
        bank.bank_account_id = env["res.partner.bank"].create(
            {"acc_number": "BE71096123456769", "partner_id": company.partner_id.id}
        )
        bank.bank_account_id.octopus_journal_id = keys["F1"]
        sale.octopus_payment_journal_id = bank
        purchase.octopus_payment_journal_id = bank
    env.cr.commit()  # pylint: disable=invalid-commit
    return dossier


def create_partners(env, count, first_number, name="Customer"):
    """`count` Belgian companies with valid, distinct VAT numbers (shared by every company)."""
    be = env.ref("base.be")
    partners = env["res.partner"].create(
        [
            {
                "name": f"{name} {first_number + index}",
                "is_company": True,
                "vat": be_vat(first_number + index),
                "country_id": be.id,
                "street": f"Kerkstraat {index + 1}",
                "zip": "9000",
                "city": "Gent",
                "email": f"factuur{first_number + index}@example.be",
            }
            for index in range(count)
        ]
    )
    env.cr.commit()  # pylint: disable=invalid-commit
    return partners


MOVE_MIX = (("out_invoice", 70), ("out_refund", 10), ("in_invoice", 15), ("in_refund", 5))


def move_values(env, company, partners, count, rng, mix=(("out_invoice", 100),)):
    """Create-values of `count` moves of `company` with 1-3 lines at 21 %, 12 % or 6 % VAT."""

    def tax(name):
        return env.ref(f"account.{company.id}_attn_{name}")

    sale_taxes = [tax("VAT-OUT-21-L"), tax("VAT-OUT-12-L"), tax("VAT-OUT-06-L")]
    purchase_taxes = [tax("VAT-IN-V81-21"), tax("VAT-IN-V81-12"), tax("VAT-IN-V81-06")]
    journals = {
        kind: env["account.journal"].search([("company_id", "=", company.id), ("type", "=", kind)], limit=1)
        for kind in ("sale", "purchase")
    }
    types = [t for t, weight in mix for _ in range(weight)]
    values = []
    for index in range(count):
        move_type = rng.choice(types)
        sale = move_type.startswith("out_")
        taxes = sale_taxes if sale else purchase_taxes
        day = date(INVOICE_YEAR, 1 + index % 11, 1 + index % 28)
        values.append(
            {
                "move_type": move_type,
                "partner_id": rng.choice(partners).id,
                "invoice_date": day,
                "journal_id": journals["sale" if sale else "purchase"].id,
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "name": f"Item {index}.{line}",
                            "quantity": rng.randint(1, 5),
                            "price_unit": round(rng.uniform(5, 900), 2),
                            "tax_ids": [(6, 0, rng.choice(taxes).ids)],
                        },
                    )
                    for line in range(rng.randint(1, 3))
                ],
            }
        )
    return values


def create_moves(env, company, partners, count, seed=0, mix=(("out_invoice", 100),), post=True, batch=250):
    """Create (and post) `count` moves of `company`, committing per batch; returns their ids."""
    rng = random.Random(seed)
    env = env(context=dict(env.context, allowed_company_ids=company.ids))
    ids = []
    values = move_values(env, company.with_env(env), partners.with_env(env), count, rng, mix)
    for start in range(0, count, batch):
        moves = env["account.move"].create(values[start : start + batch])
        if post:
            moves.action_post()
        env.cr.commit()  # pylint: disable=invalid-commit
        ids += moves.ids
        env.invalidate_all()
    return ids


def archive_connections(env, company_ids):
    """A finished world (its sandbox is gone) pushes no more: its connections are archived and its
    moves still queued leave the queue, so they cannot fill later cron batches."""
    ids = list(company_ids)
    env["octopus.connection"].search([("company_id", "in", ids)]).write({"active": False})
    env["octopus.booking"].search([("company_id", "in", ids), ("state", "in", PENDING)]).unlink()
    env.cr.commit()  # pylint: disable=invalid-commit
    env.invalidate_all()


def remove_world(registry, company_ids, partner_ids=()):
    """Delete what a world committed (for the Odoo test, which shares its database)."""
    if not company_ids:
        return
    with registry.cursor() as cr:
        env = open_env(cr)
        ids = list(company_ids)
        # Posted moves cannot be deleted through the ORM; lines and attempts cascade.
        cr.execute("DELETE FROM account_move WHERE company_id IN %s", [tuple(ids)])
        env["octopus.dossier"].search([("company_id", "in", ids)]).unlink()
        env["octopus.connection"].with_context(active_test=False).search([("company_id", "in", ids)]).unlink()
        env["res.company"].browse(ids).write({"active": False, "vat": False})
        partners = env["res.partner"].browse(list(partner_ids)).exists()
        try:
            with cr.savepoint():
                partners.unlink()
        except Exception:  # noqa: BLE001 (still referenced somewhere: archive them instead)
            partners.write({"active": False})


def unique_tag():
    return uuid.uuid4().hex[:6]


# -- pending moves, running the cron ------------------------------------------------------------


def pending_domain(company_ids):
    """Bookings of these companies still on their way to Octopus (octopus.booking)."""
    return [("company_id", "in", list(company_ids)), ("state", "in", PENDING)]


def due_count(env, company_ids):
    bookings = env["octopus.booking"]
    return bookings.search_count([*bookings._due_domain(), ("company_id", "in", list(company_ids))])


def run_cron_until_idle(env, company_ids, batch_size=50, after_batch=None, max_batches=100000):
    """Call the cron method as Odoo's cron runner would (commit after each call) until nothing is due.
    Returns the number of calls."""
    calls = 0
    while calls < max_batches and due_count(env, company_ids):
        env["octopus.booking"]._push_due(limit=batch_size, with_commit=True)
        env.cr.commit()  # pylint: disable=invalid-commit
        env.invalidate_all()
        calls += 1
        if after_batch:
            after_batch(calls)
    return calls


# -- simulated time -------------------------------------------------------------------------------


class Clock:
    """Simulated time for a run in this process: rather than waiting an hour for a lock to be retried
    or a day for a daily limit, Odoo's clock (``fields.Datetime.now``, which the addon reads for
    every deadline) and the sandbox's clock move forward together. Nothing stored is rewritten:
    moving every waiting move's deadline instead cost an UPDATE of thousands of rows per step.

    A new day (the sandbox's calendar day changed, or a daily-limit pause ends) starts in both
    places: the sandbox's quotas roll over with its clock and the addon's call counters are
    emptied, which is what the next UTC day looks like to it. Use as a context manager; other
    processes (bench's drainer) keep real time, see ``shift_deadlines``.
    """

    def __init__(self, state):
        self.state = state
        self.advanced = 0.0
        self.days = 0
        self._patch = None

    def now(self):
        """Odoo's simulated now: naive UTC, whole seconds, like fields.Datetime.now()."""
        real = datetime.now(timezone.utc).replace(tzinfo=None)
        return (real + timedelta(seconds=self.advanced)).replace(microsecond=0)

    def __enter__(self):
        from odoo import fields  # noqa: PLC0415

        self._patch = patch.object(fields.Datetime, "now", staticmethod(lambda *args: self.now()))
        self._patch.start()
        return self

    def __exit__(self, *exc):
        self._patch.stop()

    def pending_deadline(self, cr, company_ids):
        """Seconds until the first pending booking of these companies is due (0 when one is due now)."""
        cr.execute("SELECT min(next_try) FROM octopus_booking WHERE company_id IN %s", [tuple(company_ids)])
        first = cr.fetchone()[0]
        if first is None:
            return 0.0
        return max((first - self.now()).total_seconds(), 0.0)

    def advance(self, cr, seconds):
        seconds = max(float(seconds), 1.0)
        cr.execute(
            "SELECT count(*) FROM octopus_dossier WHERE push_pause_reason = 'limit' AND push_paused_until <= %s",
            [self.now() + timedelta(seconds=seconds)],
        )
        limit_ends = cr.fetchone()[0] > 0
        day = self.state.today()
        self.state.advance(seconds)
        self.advanced += seconds
        if limit_ends or self.state.today() != day:
            self.new_day(cr, sandbox_done=self.state.today() != day)
        cr.commit()  # pylint: disable=invalid-commit

    def new_day(self, cr, sandbox_done=False):
        if not sandbox_done:
            now = datetime.fromtimestamp(self.state.now(), timezone.utc)
            midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), timezone.utc)
            extra = (midnight - now).total_seconds() + 1
            self.state.advance(extra)
            self.advanced += extra
        cr.execute("DELETE FROM octopus_call_counter")
        self.days += 1


def shift_deadlines(cr, state, seconds):
    """Time travel across processes (another process keeps real time): every deadline the addon
    stored (next try of a booking, pause of a dossier) moves back, the sandbox's clock forward."""
    # A transaction of its own at READ COMMITTED: a row the running cron changes or holds meanwhile
    # is shifted once it is free, instead of failing the whole UPDATE on a serialization error.
    cr.commit()  # pylint: disable=invalid-commit
    cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
    shift = timedelta(seconds=seconds)
    cr.execute("UPDATE octopus_booking SET next_try = next_try - %s WHERE next_try IS NOT NULL", [shift])
    cr.execute(
        "UPDATE octopus_dossier SET push_paused_until = push_paused_until - %s WHERE push_paused_until IS NOT NULL",
        [shift],
    )
    state.advance(seconds)
    cr.commit()  # pylint: disable=invalid-commit


def waiting_for_next_day(cr):
    """Whether a dossier's pushes wait for the next day: paused, by the addon's own rule, because its
    daily call limit is used."""
    dossiers = open_env(cr)["octopus.dossier"].search([("push_pause_reason", "=", "limit")])
    return any(dossier._octopus_push_paused() for dossier in dossiers)


def next_day(cr, state):
    """A day later, for an Odoo server in another process whose clock keeps real time (see
    ``shift_deadlines``): the addon's daily call counters start again and every stored deadline
    moves back a day (a pause until tomorrow, a check put off until tomorrow), while the sandbox's
    clock moves a day forward, so that both sides count a new day's calls, as ``Clock.new_day``
    does in-process."""
    cr.commit()  # pylint: disable=invalid-commit
    reset_counters(cr)  # harmless before the shift: the deadlines hold the push
    shift_deadlines(cr, state, 24 * 3600 + 60)


def reset_counters(cr):
    """The addon's daily call counters, emptied (a new day for the addon)."""
    cr.execute("DELETE FROM octopus_call_counter")
    cr.commit()  # pylint: disable=invalid-commit


def counter_totals(cr):
    """Calls the addon counted, per operation (today's rows, all connections)."""
    cr.execute("SELECT operation, sum(count) FROM octopus_call_counter GROUP BY operation")
    return {operation: int(total) for operation, total in cr.fetchall()}


def add_counts(total, more):
    for key, value in more.items():
        total[key] = total.get(key, 0) + value
    return total


def sandbox_calls(state):
    with state.mutex:
        return dict(state.call_counts)


def diff_counts(after, before):
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


# -- PDF -------------------------------------------------------------------------------------------


# A one-page PDF, for runs where the file's content does not matter (the fault campaign).
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
    b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n"
    b"%%EOF\n"
)


@contextmanager
def fixed_pdf(content):
    """Odoo renders the invoice report's HTML as usual, but wkhtmltopdf is replaced by `content`
    (a real invoice PDF rendered once): the booking still carries a real-sized PDF inline."""
    from odoo.addons.base.models.ir_actions_report import IrActionsReport

    def run(self, bodies, *args, **kwargs):
        return content

    with patch.object(IrActionsReport, "_run_wkhtmltopdf", run):
        yield


@contextmanager
def timed_method(cls, name, totals):
    """Adds the wall time spent in cls.name (outermost calls only) to totals[name]."""
    original = getattr(cls, name)
    depth = threading.local()

    def wrapper(self, *args, **kwargs):
        level = getattr(depth, "level", 0)
        depth.level = level + 1
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            depth.level = level
            if not level:
                totals[name] = totals.get(name, 0.0) + time.perf_counter() - started
                totals[name + ".calls"] = totals.get(name + ".calls", 0) + 1

    with patch.object(cls, name, wrapper):
        yield totals


# -- memory ----------------------------------------------------------------------------------------


def rss_mb():
    """Current resident set size of this process in MB."""
    try:
        import psutil  # noqa: PLC0415

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


class RssSampler:
    """Samples this process' RSS every `interval` seconds on a thread; peak and samples kept."""

    def __init__(self, interval=0.2):
        self.interval = interval
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.samples.append(rss_mb())
            self._stop.wait(self.interval)

    def __enter__(self):
        self.start_mb = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.samples.append(rss_mb())
        self.end_mb = self.samples[-1]
        self.peak_mb = max(self.samples)
