"""HTTP plumbing: a threading server whose handler can stall, fail or drop the connection on
purpose (faults), and otherwise hands requests to api.py or control.py."""

import contextlib
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import api, control
from .errors import ApiError
from .reply import Reply
from .state import SandboxState

CONTROL_PREFIX = "/_sandbox"


class SandboxServer:
    """A local Octopus on its own thread. `state` exists before start() so it can be set up."""

    def __init__(self, seed=None, host="127.0.0.1", port=0, log=False):
        self.state = SandboxState(seed)
        self.host = host
        self.port = port
        self.log = log
        self._stopping = threading.Event()
        self._httpd = None
        self._thread = None

    @property
    def base_url(self):
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self):
        return self.base_url + api.PREFIX

    def start(self):
        self._stopping.clear()
        self._httpd = _HTTPServer((self.host, self.port), _Handler)
        self._httpd.sandbox = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"octopus-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        """Stops serving; calls stuck in a timeout fault or latency are woken up and answered."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
        self._httpd = self._thread = None

    def pause(self, seconds):
        """Sleep that ends early when the server stops."""
        self._stopping.wait(seconds)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up (its own timeout) is expected in fault tests: stay quiet.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "OctopusSandbox/1.0"

    def do_GET(self):
        sandbox = self.server.sandbox
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(target.query, keep_blank_values=True).items()}
        if target.path == CONTROL_PREFIX or target.path.startswith(CONTROL_PREFIX + "/"):
            self._send(control.handle(sandbox.state, self.command, target.path, query, body))
        elif target.path.startswith(api.PREFIX + "/"):
            request = api.Request(
                self.command, target.path[len(api.PREFIX) :], query, self.headers, body, self.client_address[0]
            )
            self._octopus(sandbox, request)
        else:
            self._send(_error_reply(api.unknown_path(target.path)))

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _octopus(self, sandbox, request):
        state = sandbox.state
        try:
            route, params = api.match(request.method, request.path)
        except ApiError as error:
            self._send(_error_reply(error))
            return
        state.record_call(f"{route.method} {route.template}", api.dossier_id(route, params, request.query))
        if state.latency_ms:
            sandbox.pause(state.latency_ms / 1000)
        fault = state.take_fault(self.path)
        if fault == "5xx":
            self._send(Reply(503, {"technicalInfo": "Service unavailable (sandbox fault)"}))
        elif fault == "timeout":
            sandbox.pause(state.timeout_seconds)
            self._send(Reply(504, {"technicalInfo": "Gateway timeout (sandbox fault)"}))
        elif fault == "drop":
            self._drop()
        else:
            reply = api.handle(state, route, params, request)
            if fault == "drop_after_commit":
                self._drop()
            else:
                self._send(reply)

    def _send(self, reply):
        payload = reply.encode()
        self.send_response(reply.status)
        if payload:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _drop(self):
        """Close the connection without a byte of answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):  # the client may be gone already
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format, *args):  # noqa: A002 (signature of the base class)
        if self.server.sandbox.log:
            return super().log_message(format, *args)


def _error_reply(error):
    return Reply(error.status, error.body())
