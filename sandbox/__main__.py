"""`python3 -m sandbox --port 8099 --seed sandbox/seed/demo.json`: serve until killed."""

import argparse
import threading

from .loader import DEFAULT_SEED
from .server import SandboxServer


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", default=str(DEFAULT_SEED), help="seed JSON file (default: demo)")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)
    server = SandboxServer(seed=args.seed, host=args.host, port=args.port, log=not args.quiet).start()
    # A command-line program: telling the URL on standard output is its job.
    print(f"Octopus sandbox listening on {server.url}", flush=True)  # pylint: disable=print-used
    print(f"Control page: {server.base_url}/_sandbox/", flush=True)  # pylint: disable=print-used
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        return  # Ctrl+C: stop the server (finally) without a traceback
    finally:
        server.stop()


if __name__ == "__main__":
    main()
