"""The push under Odoo's production limits (issue 19): Odoo's own server, threaded or multi-process.

Shared by bench/server_limits.py (1,000 invoices, Odoo's default limits) and
tests/test_server_limits.py (a few dozen invoices, short limits). One ServerRun:

* ``setup()``: a sandbox dossier, a Belgian company linked to it, customers, the invoices' values;
* ``run()``: starts ``odoo server`` as production starts it (``-c``, ``-d``, the configuration's
  limits unless ``limit_time_real`` lowers them), threaded with 2 cron threads or ``--workers=2
  --max-cron-threads=1``. ``users`` threads post the invoices over XML-RPC while the sandbox (a
  thread of this process) injects 5xx, dropped connections, lost replies, 12 s timeouts and journal
  locks of a few seconds. The server's cron renders real PDFs (wkhtmltopdf, through the server's
  own HTTP) and pushes them. Once the faults stop, the hourly retry is brought forward every 30 s
  (world.shift_deadlines), so what waits for a lock or a lost reply is settled within minutes;
  when a dossier waits for the next day (1,000 invoices are more than a day's 400 bookings), or
  three such steps leave the queue as it was (a check put off until tomorrow), the next day comes
  (world.next_day: deadlines a day back, the addon's daily counters start again).
  When every invoice has left the queue, the server stops and its log is read;
* ``figures()``: the longest cron lap and job run, limit warnings, workers killed, server
  restarts, and what Octopus holds against what Odoo sent (lost, duplicates);
* ``cleanup()``: removes what setup committed (the Odoo test shares its database).
"""

import collections
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import xmlrpc.client
from dataclasses import dataclass
from datetime import datetime

import psycopg2.errors

import odoo

from ..sandbox import SandboxServer
from . import world

LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")
PUSH_JOB = "Octopus: send invoices"
MODES = {
    "threaded": ["--max-cron-threads=2"],
    "workers": ["--workers=2", "--max-cron-threads=1"],
}
PENDING = ("to_send", "sending", "waiting", "uncertain")
ADMIN_PASSWORD = "admin"  # a database created with --without-demo keeps admin / admin
# What a run inside Odoo's limits counts as zero.
MUST_BE_ZERO = ("limit warnings", "workers killed", "server restarts", "lost", "duplicates", "still pending")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_command():
    """How production starts Odoo: its script (odoo-bin beside the source, else the installed
    `odoo`) run by this Python. Not `python -m odoo`: in multi-process mode Odoo starts its
    websocket (gevent) process as `python <the script> gevent`, which fails for `-m odoo`."""
    source_script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__))), "odoo-bin")
    installed_script = os.path.join(os.path.dirname(sys.executable), "odoo")
    for script in (source_script, installed_script):
        if os.path.isfile(script):
            return [sys.executable, script]
    raise RuntimeError(f"no Odoo script found (looked for {source_script} and {installed_script})")


@dataclass
class Config:
    mode: str = "threaded"  # a key of MODES
    invoices: int = 1000
    users: int = 4
    limit_time_real: int | None = None  # lowers Odoo's real and CPU limits; None: the configuration's
    faults: bool = True
    latency_ms: int = 0  # added by the sandbox to every Octopus call while the server pushes
    fault_seconds: int | None = None  # how long faults are injected; None: a quarter second per invoice, at least 60 s
    drain_minutes: float = 60
    settle_every: float = 30  # once the faults stop: seconds between two "an hour later" steps
    dossier_id: int = 1001
    seed: int = 1


class FaultInjector(threading.Thread):
    """A few faults of every kind the issue names, spread over the run, then none."""

    KINDS = ("5xx", "drop", "drop_after_commit", "timeout")

    def __init__(self, state, dossier_id, journal_key, seconds=120, seed=7):
        super().__init__(daemon=True)
        self.state, self.dossier_id, self.journal_key = state, dossier_id, journal_key
        self.seconds, self.rng = seconds, random.Random(seed)
        self.stopped = threading.Event()
        self.injected = collections.Counter()

    def run(self):
        end = time.monotonic() + self.seconds
        while not self.stopped.is_set() and time.monotonic() < end:
            self.stopped.wait(self.rng.uniform(3, 8))
            kind = self.rng.choice(self.KINDS + ("lock",))
            if kind == "lock":
                self.state.lock(self.dossier_id, self.journal_key)
                self.injected["lock"] += 1
                self.stopped.wait(self.rng.uniform(2, 6))
                self.state.unlock(self.dossier_id, self.journal_key)
            else:
                self.state.inject_fault(kind, count=1, path="buysellbookings")
                self.injected[kind] += 1

    def stop(self):
        self.stopped.set()
        if self.is_alive():
            self.join()
        self.state.unlock(self.dossier_id, self.journal_key)


class OdooServer:
    """`odoo server` in a subprocess (this Python), its log in a file."""

    def __init__(self, conf, db, mode, log_path, limit_time_real=None):
        self.port = free_port()
        self.log_path = log_path
        args = [
            *odoo_command(),
            "server",
            "-c",
            conf,
            "-d",
            db,
            "--http-port",
            str(self.port),
            "--http-interface",
            "127.0.0.1",
            "--log-level=info",
            *MODES[mode],
        ]
        if mode == "workers":
            # its own port for the websocket (gevent) process: Odoo's 8072 may be taken by another server
            args.append(f"--gevent-port={free_port()}")
        if limit_time_real:
            args += [f"--limit-time-real={limit_time_real}", f"--limit-time-cpu={limit_time_real}"]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.log = None
        self.args = args

    def start(self):
        self.log = open(self.log_path, "w")  # noqa: SIM115  pylint: disable=consider-using-with
        self.process = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT)  # noqa: S603
        for _ in range(600):
            try:
                xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common").version()
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"odoo server stopped at start; see {self.log_path}") from None
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"odoo server did not answer within two minutes; see {self.log_path}")

    def stop(self):
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        self.process = None


def post_invoices(url, db, uid, values, users):
    """`users` threads, each posting its share of `values` one invoice per call, as people do."""
    errors = []

    def work(share):
        models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)
        for vals in share:
            vals = dict(vals)
            try:
                move_id = models.execute_kw(
                    db,
                    uid,
                    ADMIN_PASSWORD,
                    "account.move",
                    "create",
                    [vals],
                    {"context": {"allowed_company_ids": [vals.pop("_company")]}},
                )
                models.execute_kw(db, uid, ADMIN_PASSWORD, "account.move", "action_post", [[move_id]])
            except (xmlrpc.client.Fault, OSError) as exc:
                errors.append(str(exc)[:200])

    threads = [threading.Thread(target=work, args=(values[index::users],)) for index in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def read_log(path):
    """What the server log says about limits, kills, restarts and the push job's runs."""
    with open(path, encoding="utf-8", errors="replace") as log:
        text = log.read()
    found = {
        "limit warnings": len(re.findall(r"virtual real time limit|CPU time limit", text)),
        "workers killed": len(re.findall(r"Worker\w* \(\d+\) timeout after", text)),
        "server restarts": text.count("Initiating server reload"),
        "push job errors": len(re.findall(rf"Job '{PUSH_JOB}' \(\d+\) timed out|Exception in cron", text)),
    }
    laps, runs, started = [], [], None
    for line in text.splitlines():
        if f"Job '{PUSH_JOB}'" not in line:
            continue
        stamp = LOG_TIME.match(line)
        moment = datetime.strptime(stamp.group(1), "%Y-%m-%d %H:%M:%S,%f") if stamp else None
        if " starting" in line and started is None:
            started = moment
        elif " done in " in line:
            laps.append(float(re.search(r"done in ([\d.]+)s", line).group(1)))
        elif ("records remaining" in line and line.rstrip().endswith(" 0 records remaining")) or " completed" in line:
            if started and moment:
                runs.append((moment - started).total_seconds())
            started = None
    found["longest lap s"] = max(laps, default=0.0)
    found["longest job run s"] = max(runs, default=0.0)
    found["total s"] = round(sum(laps), 1)
    found["laps"] = len(laps)
    found["job runs"] = len(runs)
    return found


class ServerRun:
    """One server mode: set up, run, read the figures, clean up (see the module's docstring)."""

    def __init__(self, registry, conf, db, config, work):
        self.registry, self.conf, self.db, self.config, self.work = registry, conf, db, config, work
        self.sandbox = None
        self.server = None
        self.injector = None
        self.company_id = None
        self.partner_ids = []
        self.values = []
        self.report_url = None
        self.post_errors = []
        self.wall = 0.0
        self.timings = {}
        self.pending = None
        self.days = 0  # simulated next days (the daily limits)

    def setup(self):
        config = self.config
        started = time.monotonic()
        rng = random.Random(config.seed)
        # VAT and customer numbers drawn afresh: every run's company and customers are new ones
        vat = world.be_vat(900 + random.randint(0, 99999))
        self.sandbox = SandboxServer(seed=world.world_seed([world.dossier_seed(config.dossier_id, "Limits BV", vat)]))
        self.sandbox.start()
        self.sandbox.state.enforce_limits = False
        self.server = OdooServer(
            self.conf, self.db, config.mode, os.path.join(self.work, f"odoo-{config.mode}.log"), config.limit_time_real
        )
        with self.registry.cursor() as cr:
            env = world.open_env(cr)
            params = env["ir.config_parameter"]
            self.report_url = params.get_param("report.url")
            # wkhtmltopdf fetches the report's stylesheets from the server that renders it
            params.set_param("report.url", self.server.url)
            company = world.create_company(env, f"Limits {config.mode} {world.unique_tag()}", vat)
            self.company_id = company.id
            env.ref("base.user_admin").company_ids |= company  # the users who post over XML-RPC
            world.link_company(env, company, self.sandbox.url)
            partners = world.create_partners(env, 20, 910000 + random.randint(0, 80000) * 10)
            self.partner_ids = partners.ids
            values = world.move_values(world.open_env(cr, company.ids), company, partners, config.invoices, rng)
            for vals in values:
                vals["invoice_date"] = vals["invoice_date"].isoformat()
                vals["_company"] = company.id
            self.values = values
            cr.commit()  # pylint: disable=invalid-commit
        seconds = config.fault_seconds or max(60, config.invoices // 4)
        self.injector = FaultInjector(self.sandbox.state, config.dossier_id, "V1", seconds=seconds)
        self.timings["setup s"] = round(time.monotonic() - started, 1)
        return self

    def run(self):
        config = self.config
        self.sandbox.state.latency_ms = config.latency_ms
        started = time.monotonic()
        self.server.start()
        self.timings["server start s"] = round(time.monotonic() - started, 1)
        started = time.monotonic()
        try:
            if config.faults:
                self.injector.start()
            common = xmlrpc.client.ServerProxy(f"{self.server.url}/xmlrpc/2/common")
            uid = common.authenticate(self.db, "admin", ADMIN_PASSWORD, {})
            self.post_errors = post_invoices(self.server.url, self.db, uid, self.values, config.users)
            self.timings["posting s"] = round(time.monotonic() - started, 1)
            self._drain(time.monotonic() + config.drain_minutes * 60)
            self.wall = time.monotonic() - started
        finally:
            self.injector.stop()
            self.server.stop()
        return self

    def _drain(self, deadline):
        """Wait until no invoice is left in the queue, bringing the hourly retry forward once the
        faults are over."""
        hour_passed_at = time.monotonic()
        before, stalled = None, 0  # settle rounds in a row that left the queue as it was
        while time.monotonic() < deadline:
            with self.registry.cursor() as cr:
                cr.execute(
                    "SELECT count(*) FROM octopus_booking WHERE company_id = %s AND state IN %s",
                    [self.company_id, PENDING],
                )
                self.pending = cr.fetchone()[0]
                settle = time.monotonic() - hour_passed_at > self.config.settle_every
                if self.pending and not self.injector.is_alive() and settle:
                    stalled, before = (stalled + 1 if self.pending == before else 0), self.pending
                    try:
                        # A day's calls are used (1,000 invoices are more than a day's 400 bookings,
                        # read-back checks have 24 journal reads a day): only the next day moves it.
                        if world.waiting_for_next_day(cr) or stalled >= 3:
                            world.next_day(cr, self.sandbox.state)
                            self.days += 1
                            stalled = 0
                        else:
                            world.shift_deadlines(cr, self.sandbox.state, 3600 + 60)
                        world.open_env(cr).ref("account_octopus.ir_cron_octopus_push")._trigger()
                        cr.commit()  # pylint: disable=invalid-commit
                        hour_passed_at = time.monotonic()
                    except psycopg2.errors.SerializationFailure:
                        cr.rollback()  # the cron wrote a booking meanwhile: next round
            if not self.pending:
                return
            time.sleep(2)

    def figures(self):
        """The figures of the run, in the order they are printed ("ok": every MUST_BE_ZERO is 0)."""
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT m.name, b.state FROM account_move m LEFT JOIN octopus_booking b "
                "ON b.move_id = m.id AND b.kind = 'invoice' WHERE m.company_id = %s AND m.state = 'posted'",
                [self.company_id],
            )
            moves = dict(cr.fetchall())
        stored = collections.Counter(
            booking["booking"]["reference"] for booking in self.sandbox.state.bookings(self.config.dossier_id)
        )
        found = read_log(self.server.log_path)
        result = {
            "invoices posted": len(moves),
            "posting errors": sorted(set(self.post_errors))[:3],
            **self.timings,
            "wall time s": round(self.wall, 1),
            "still pending": self.pending or 0,
            "simulated next days": self.days,
            "failed": sum(1 for state in moves.values() if state == "failed"),
            "longest cron lap s": found["longest lap s"],
            "longest push job run s": found["longest job run s"],
            "push job runs": found["job runs"],
            "push job total s": found["total s"],
            "limit warnings": found["limit warnings"],
            "workers killed": found["workers killed"],
            "server restarts": found["server restarts"],
            "push job errors": found["push job errors"],
            "lost": sum(1 for name in moves if not stored.get(name)),
            "duplicates": sum(count - 1 for count in stored.values() if count > 1),
            "faults injected": dict(sorted(self.injector.injected.items())),
            "log": self.server.log_path,
        }
        result["ok"] = len(moves) == self.config.invoices and not any(result[key] for key in MUST_BE_ZERO)
        return result

    def cleanup(self, remove=False):
        """Stop what runs; with `remove`, delete what setup committed and restore the report URL."""
        if self.injector:
            self.injector.stop()
        if self.server:
            self.server.stop()
        if self.sandbox:
            self.sandbox.stop()
        if not remove:
            return
        with self.registry.cursor() as cr:
            world.open_env(cr)["ir.config_parameter"].set_param("report.url", self.report_url or False)
        world.remove_world(self.registry, [self.company_id] if self.company_id else [], self.partner_ids)
