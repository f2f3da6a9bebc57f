"""Serve a folder of HTML on 127.0.0.1 for the browser checks, as a host would: text
compressed with gzip (Lighthouse penalises uncompressed text, and every real host
compresses), a random free port, in a thread that stops with the `with` block."""

import gzip
import mimetypes
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from dsops.shared.errors import DsopsError

COMPRESSED_TYPES = (
    "text/",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
)


class CompressingHandler(SimpleHTTPRequestHandler):
    """Static files; text gzip-compressed when the client accepts it. Quiet."""

    protocol_version = "HTTP/1.1"  # keep-alive, as browsers and hosts use

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?", 1)[0].endswith("/"):
            path = path / "index.html"
        ctype = self.guess_type(str(path))
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (path.is_file() and wants_gzip and ctype.startswith(COMPRESSED_TYPES)):
            super().do_GET()
            return
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Last-Modified", self.date_time_string(int(path.stat().st_mtime)))
        self.end_headers()
        self.wfile.write(body)

    def guess_type(self, path: str | os.PathLike) -> str:
        guessed = mimetypes.guess_type(str(path))[0] or "application/octet-stream"
        return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed

    def log_message(self, *args) -> None:
        pass  # the checks report what matters; a line per request would bury it


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` while the block runs; yield its base URL (ending in /)."""
    if not folder.is_dir():
        raise DsopsError(f"{folder} is not a folder of HTML: build the site first (make site).")
    handler = partial(CompressingHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
