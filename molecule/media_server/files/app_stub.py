"""A stand-in for the app on 127.0.0.1:8000, for the media server's tests only.

POST /api/stream-keys/check answers 200 for the one valid key (the RTMP module posts the stream
name as "name") and 403 for any other; GET /healthz answers 200 "ok"; anything else 404.
"""

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

VALID_KEY = "valid-test-key"


class Handler(BaseHTTPRequestHandler):
    def answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        if self.path.split("?")[0] != "/api/stream-keys/check":
            self.answer(404, b"not found")
        elif form.get("name") == [VALID_KEY]:
            self.answer(200, b"accepted")
        else:
            self.answer(403, b"refused")

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self.answer(200, b"ok")
        else:
            self.answer(404, b"not found")


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", 8000), Handler).serve_forever()
