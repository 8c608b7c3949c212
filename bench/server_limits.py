# pylint: disable=odoo-addons-relative-import  # a script run outside the addon package: no relative import
"""The push under Odoo's production limits: Odoo's own server, threaded and multi-process.

Started by `bench/run limits` (which provides PostgreSQL and a database with the addon), or by hand:

    python3 bench/server_limits.py -c odoo.conf -d DB [--modes threaded,workers] [--invoices 1000]
                                   [--users 4] [--limit-time-real N] [--no-faults]

For each mode it starts `odoo server` as production starts it, with the configuration's limits (Odoo's
defaults unless --limit-time-real lowers them): threaded with 2 cron threads, or `--workers=2
--max-cron-threads=1`. Four users post invoices over XML-RPC while the sandbox injects 5xx, dropped
connections, lost replies, 12 s timeouts and journal locks of a few seconds; the cron renders real
PDFs and pushes them. Then it prints the longest cron lap and job run, limit warnings, workers
killed, server restarts, lost and duplicates, and merges them into bench/results/last.json. Exits 1
when any of those that must be 0 is not. The logic is in ../campaign/server_limits.py, shared with
tests/test_server_limits.py.
"""

import argparse
import os
import signal
import sys
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import bootstrap, figure, save, say  # noqa: E402  pylint: disable=wrong-import-position

NOTES = {"invoices posted": "of {invoices}", "wall time s": "posting and pushing"}


def show(result, invoices):
    shown = {}
    for name, value in result.items():
        if name in ("ok", "log", "posting errors"):
            continue
        if name == "faults injected":
            detail = ", ".join(f"{kind} {count}" for kind, count in value.items())
            figure(shown, name, sum(value.values()), note=detail)
            continue
        unit, note = ("s" if name.endswith(" s") else ""), NOTES.get(name, "")
        if name in ("limit warnings", "workers killed", "server restarts", "lost", "duplicates"):
            note = "expected 0"
        figure(shown, name.removesuffix(" s"), value, unit, note.format(invoices=invoices))
    for error in result["posting errors"]:
        say(f"  posting error: {error}")
    say(f"  server log: {result['log']}")
    shown["ok"] = result["ok"]
    return shown


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
    from odoo.addons.account_octopus.campaign.server_limits import Config, ServerRun  # noqa: PLC0415

    work = os.environ.get("BENCH_WORK") or os.path.dirname(os.path.abspath(args.conf))
    results = {}
    for index, mode in enumerate(args.modes.split(",")):
        say(
            f"\n== {mode}: {args.invoices} invoices, {args.users} users, real PDFs, "
            f"faults {'on' if args.faults else 'off'}, limits {args.limit_time_real or 'of the configuration'}"
        )
        config = Config(
            mode=mode,
            invoices=args.invoices,
            users=args.users,
            limit_time_real=args.limit_time_real,
            faults=args.faults,
            drain_minutes=args.drain_minutes,
            dossier_id=1001 + index,
        )
        run = ServerRun(registry, args.conf, args.db, config, work)
        try:
            result = run.setup().run().figures()
        finally:
            run.cleanup()
        results[mode] = show(result, args.invoices)
        results[mode].update(
            invoices=args.invoices,
            limit_time_real=args.limit_time_real or "configuration",
            finished=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
        save({f"limits {mode}": results[mode]})
    passed = sum(1 for result in results.values() if result["ok"])
    say(f"\nserver limits: {passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
