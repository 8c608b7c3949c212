# pylint: disable=odoo-addons-relative-import  # a script run outside the addon package: no relative import
"""The fault campaign (campaign/campaign.py) from the command line; bench/run faults starts it.

    python3 bench/fault_campaign.py -c odoo.conf -d DB [--quick] [--moves N] [--dossiers N] [--workers N]

Prints one line per round and the counts, exits non-zero unless every move was booked exactly
once (0 lost, 0 duplicates, amounts and numbers equal), and merges the counts into
bench/results/last.json under "faults".
"""

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench import bootstrap, save, say  # noqa: E402  (this folder, after the path above)

QUICK = {"moves": 600, "dossiers": 3, "workers": 4, "customers": 30}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--db", required=True)
    parser.add_argument("--quick", action="store_true", help=f"smaller run: {QUICK}")
    parser.add_argument("--moves", type=int)
    parser.add_argument("--dossiers", type=int)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--fault-rate", type=float)
    args = parser.parse_args()
    registry = bootstrap(args.config, args.db)
    from odoo.addons.account_octopus.campaign.campaign import MUST_BE_ZERO, Campaign, Config  # noqa: PLC0415

    config = Config(**(QUICK if args.quick else {}))
    for name in ("moves", "dossiers", "workers", "seed", "fault_rate"):
        if getattr(args, name) is not None:
            setattr(config, name, getattr(args, name))
    say(
        f"\n== faults: {config.moves} moves over {config.dossiers} dossiers, ~{config.fault_rate:.0%} of calls "
        f"faulty, {config.workers} workers in parallel until {config.parallel_share:.0%} is sent"
    )
    started = time.perf_counter()
    campaign = Campaign(registry, config, log=lambda line: say("  " + line))
    try:
        campaign.setup()
        say(f"  set-up: {campaign.figures['setup_s']:.0f} s (companies, customers, posted moves)")
        campaign.run()
        check = campaign.check()
    finally:
        campaign.cleanup()
    figures = campaign.summary()
    say(
        "  faults injected: "
        + ", ".join(f"{k} {v}" for k, v in sorted(figures["faults_injected"].items()))
        + f"  (= {figures['fault_share_of_calls']:.0%} of {figures['octopus_calls']} Octopus calls)"
    )
    say(
        f"  simulated time: {figures['simulated_days']} day(s) rolled over, {figures['simulated_hours']} h advanced; "
        f"{figures['rounds']} rounds; a person pressed Retry {figures['retry_rounds_by_a_person']} time(s)"
    )
    say(
        f"  time: {figures['run_s']:.0f} s, of which {figures['pushing_s']:.0f} s in the cron workers "
        f"(the rest: the harness's clock and counts)"
    )
    if figures.get("failed_before_retry"):
        say("  failed before Retry: " + json.dumps(figures["failed_before_retry"], ensure_ascii=False))
    say("  worker outcomes: " + json.dumps(figures["worker_outcomes"]))
    if figures["worker_errors"]:
        say(f"  worker errors: {figures['worker_errors']}")
    say("  counts:")
    for key in sorted(check):
        say(f"    {key:<28} {check[key]}")
    for problem in figures["problems"]:
        say(f"    ! {problem}")
    bad = sum(check.get(key, 0) for key in MUST_BE_ZERO)
    ok = not bad and check["booked_exactly_once"] == check["moves"]
    say(
        f"  duplicates: {check.get('duplicates', 0)}   lost: {check.get('lost', 0)}   "
        f"booked exactly once: {check['booked_exactly_once']} of {check['moves']}   -> {'OK' if ok else 'FAILED'}"
    )
    figures.update(
        ok=ok,
        bench_wall_s=round(time.perf_counter() - started, 1),
        quick=args.quick,
        finished=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    say(f"  (faults took {figures['bench_wall_s']:.0f} s in all)")
    save({"faults": figures})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
