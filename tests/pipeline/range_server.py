#!/usr/bin/env python3
"""A file server on 127.0.0.1 for the download tests.

Serves files under --root at /OWNER/REPO/resolve/main/FILE, honours
"Range: bytes=N-" requests with 206 responses, and can cut the first full
transfer after --cut-after bytes to simulate an interrupted download. It
writes its port to --port-file and exits by itself after --lifetime seconds.
"""
import argparse
import http.server
import os
import re
import threading


def make_handler(root, cut_after, state):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format, *args):
            pass

        def do_GET(self):
            match = re.match(r"^/([^/]+)/([^/]+)/resolve/main/(.+)$", self.path)
            path = os.path.join(root, match.group(3)) if match else None
            if path is None or not os.path.isfile(path):
                self.send_error(404, "not found")
                return

            with open(path, "rb") as source:
                data = source.read()
            start = 0
            range_header = self.headers.get("Range")
            if range_header:
                start = int(re.match(r"bytes=(\d+)-", range_header).group(1))
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()

            if cut_after is not None and not state["cut_done"] and start == 0:
                state["cut_done"] = True
                self.wfile.write(body[:cut_after])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--cut-after", type=int, default=None)
    parser.add_argument("--lifetime", type=float, default=60.0)
    args = parser.parse_args()

    state = {"cut_done": False}
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), make_handler(args.root, args.cut_after, state))
    threading.Timer(args.lifetime, server.shutdown).start()

    temp = args.port_file + ".tmp"
    with open(temp, "w") as out:
        out.write(str(server.server_address[1]))
    os.rename(temp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
