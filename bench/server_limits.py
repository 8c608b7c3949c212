# pylint: disable=odoo-addons-relative-import  # a script run outside the addon package: no relative import
"""The push under Odoo's production limits: Odoo's own server, threaded and multi-process.

Started by `bench/run limits` (which provides PostgreSQL and a database with the addon), or by hand:

    python3 bench/server_limits.py -c odoo.conf -d DB [--modes threaded,workers] [--invoices 1000]
                                   [--users 4] [--limit-time-real N] [--no-faults]

For each mode it starts `odoo server` as production starts it, with the configuration's limits (Odoo's
defaults unless --limit-time-real lowers them): threaded with 2 cron threads, or `--workers=2
--max-cron-threads=1`. Four users post invoices over XML-RPC while the sandbox (a thread of this
process) injects 5xx, dropped connections, lost replies, 12 s timeouts and journal locks of a few
seconds. The cron renders real PDFs (wkhtmltopdf, through the server's own HTTP) and pushes them.
Once the faults stop, the hourly retry is brought forward every 30 s (the stored deadlines move back
an hour and the cron is triggered, as world.shift_deadlines does for the backlog benchmark), so what
waits for a lock or a lost reply is settled within minutes. When every invoice has left the queue it
reads the server log and prints: the longest cron lap and
job run, limit warnings, workers killed, server restarts, and what Octopus holds against what Odoo
sent (lost, duplicates). Exits 1 when any of those that must be 0 is not.
"""

import argparse
import collections
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import xmlrpc.client
from datetime import datetime

import psycopg2.errors

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import bootstrap, figure, say  # noqa: E402  pylint: disable=wrong-import-position

LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")
PUSH_JOB = "Octopus: send invoices"
MODES = {
    "threaded": ["--max-cron-threads=2"],
    "workers": ["--workers=2", "--max-cron-threads=1"],
}
PENDING = ("to_send", "sending", "waiting", "uncertain")
ADMIN_PASSWORD = "admin"  # a database created with --without-demo keeps admin / admin


def free_port():
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
        self.join()
        self.state.unlock(self.dossier_id, self.journal_key)


class OdooServer:
    """`odoo server` in a subprocess, its log in a file."""

    def __init__(self, port, conf, db, mode, log_path, limit_time_real=None):
        self.port = port
        self.log_path = log_path
        args = [
            sys.executable,
            "-m",
            "odoo",
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
        if limit_time_real:
            args += [f"--limit-time-real={limit_time_real}", f"--limit-time-cpu={limit_time_real}"]
        self.log = open(log_path, "w")  # noqa: SIM115  pylint: disable=consider-using-with
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)  # noqa: S603
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(300):
            try:
                xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common").version()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"odoo server stopped at start; see {log_path}") from None
                time.sleep(0.2)
        raise RuntimeError(f"odoo server did not answer within a minute; see {log_path}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def post_invoices(url, db, uid, values, users):
    """`users` threads, each posting its share of `values` one invoice per call, as people do."""
    errors = []

    def work(share):
        models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)
        for vals in share:
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
    text = open(path, encoding="utf-8", errors="replace").read()
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
    found["laps"] = len(laps)
    return found


def run_mode(registry, world, sandbox_cls, conf, db, mode, args, work):
    say(
        f"\n== {mode}: {args.invoices} invoices, {args.users} users, real PDFs, faults {'on' if args.faults else 'off'}"
    )
    dossier_id, vat = 1001, world.be_vat(900 + random.randint(0, 99999))
    sandbox = sandbox_cls(seed=world.world_seed([world.dossier_seed(dossier_id, "Limits BV", vat)]))
    sandbox.start()
    sandbox.state.enforce_limits = False
    port = free_port()
    with registry.cursor() as cr:
        env = world.open_env(cr)
        # wkhtmltopdf fetches the report's stylesheets from the server that renders it
        env["ir.config_parameter"].set_param("report.url", f"http://127.0.0.1:{port}")
        company = world.create_company(env, f"Limits {mode} {world.unique_tag()}", vat)
        env.ref("base.user_admin").company_ids |= company  # the users who post over XML-RPC
        world.link_company(env, company, sandbox.url)
        partners = world.create_partners(env, 20, 910000 + random.randint(0, 80000) * 10)
        values = world.move_values(world.open_env(cr, company.ids), company, partners, args.invoices, random.Random(1))
        for vals in values:
            vals["invoice_date"] = vals["invoice_date"].isoformat()
            vals["_company"] = company.id
        company_id = company.id
        cr.commit()  # pylint: disable=invalid-commit
    injector = FaultInjector(sandbox.state, dossier_id, "V1", seconds=max(60, args.invoices // 4))
    server = OdooServer(port, conf, db, mode, os.path.join(work, f"odoo-{mode}.log"), args.limit_time_real)
    started = time.monotonic()
    try:
        if args.faults:
            injector.start()
        uid = xmlrpc.client.ServerProxy(f"{server.url}/xmlrpc/2/common").authenticate(db, "admin", ADMIN_PASSWORD, {})
        post_errors = post_invoices(server.url, db, uid, values, args.users)
        posted_at = time.monotonic()
        pending, hour_passed_at = None, time.monotonic()
        deadline = posted_at + args.drain_minutes * 60
        while time.monotonic() < deadline:
            with registry.cursor() as cr:
                cr.execute(
                    "SELECT count(*) FROM octopus_booking WHERE company_id = %s AND state IN %s", [company_id, PENDING]
                )
                pending = cr.fetchone()[0]
                if pending and not injector.is_alive() and time.monotonic() - hour_passed_at > 30:
                    try:
                        world.shift_deadlines(cr, sandbox.state, 3600 + 60)
                        world.open_env(cr).ref("account_octopus.ir_cron_octopus_push")._trigger()
                        cr.commit()  # pylint: disable=invalid-commit
                        hour_passed_at = time.monotonic()
                    except psycopg2.errors.SerializationFailure:
                        cr.rollback()  # the cron wrote a booking meanwhile: next round
            if not pending:
                break
            time.sleep(2)
        wall = time.monotonic() - started
    finally:
        if args.faults and injector.is_alive():
            injector.stop()
        server.stop()
    with registry.cursor() as cr:
        cr.execute(
            "SELECT m.name, b.state FROM account_move m LEFT JOIN octopus_booking b "
            "ON b.move_id = m.id AND b.kind = 'invoice' WHERE m.company_id = %s AND m.state = 'posted'",
            [company_id],
        )
        moves = dict(cr.fetchall())
    stored = collections.Counter(booking["booking"]["reference"] for booking in sandbox.state.bookings(dossier_id))
    sandbox.stop()
    found = read_log(server.log_path)
    result = {}
    figure(result, "invoices posted", len(moves), note=f"of {args.invoices}")
    for error in sorted(set(post_errors))[:3]:
        say(f"  posting error: {error}")
    figure(result, "wall time", round(wall, 1), "s", "posting and pushing")
    figure(result, "still pending", pending or 0)
    figure(result, "failed", sum(1 for state in moves.values() if state == "failed"))
    figure(result, "longest cron lap", found["longest lap s"], "s")
    figure(result, "longest push job run", found["longest job run s"], "s")
    figure(result, "limit warnings", found["limit warnings"], note="expected 0")
    figure(result, "workers killed", found["workers killed"], note="expected 0")
    figure(result, "server restarts", found["server restarts"], note="expected 0")
    figure(result, "lost", sum(1 for name in moves if not stored.get(name)), note="expected 0")
    figure(result, "duplicates", sum(count - 1 for count in stored.values() if count > 1), note="expected 0")
    figure(
        result,
        "faults injected",
        sum(injector.injected.values()),
        note=", ".join(f"{kind} {count}" for kind, count in sorted(injector.injected.items())),
    )
    result["ok"] = len(moves) == args.invoices and not any(
        result[key]
        for key in ("limit warnings", "workers killed", "server restarts", "lost", "duplicates", "still pending")
    )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("-c", dest="conf", required=True)
    parser.add_argument("-d", dest="db", required=True)
    parser.add_argument("--modes", default="threaded,workers")
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument(
        "--limit-time-real",
        type=int,
        default=None,
        help="lower Odoo's real and CPU time limits (default: the configuration's, i.e. Odoo's)",
    )
    parser.add_argument("--drain-minutes", type=float, default=60)
    parser.add_argument("--no-faults", dest="faults", action="store_false")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the Odoo servers on the way out
    registry = bootstrap(args.conf, args.db)
    from odoo.addons.account_octopus.campaign import world  # noqa: PLC0415
    from odoo.addons.account_octopus.sandbox import SandboxServer  # noqa: PLC0415

    work = os.environ.get("BENCH_WORK") or os.path.dirname(os.path.abspath(args.conf))
    results = {
        mode: run_mode(registry, world, SandboxServer, args.conf, args.db, mode, args, work)
        for mode in args.modes.split(",")
    }
    passed = sum(1 for result in results.values() if result["ok"])
    say(f"\nserver limits: {passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
