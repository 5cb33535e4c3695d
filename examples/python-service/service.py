#!/usr/bin/env python3
"""A small HTTP service for the syscribe example, standard library only.

    python3 -u service.py --config service.json

The configuration is JSON: {"listen": "127.0.0.1", "port": 8090, "greeting": "Hello",
"notes": "notes.txt", "pid_file": "service.pid"} (relative paths are relative to the
configuration file). Endpoints:

    GET  /healthz          200 "ok"
    GET  /hello?name=NAME  200 {"message": "GREETING, NAME"}
    POST /notes            201: the body (UTF-8 text, at most 4 KiB) appended to the notes file
    GET  /notes            200 {"notes": COUNT}
    anything else          404 (405 for a wrong method on a known path)

SIGHUP re-reads the configuration (greeting and notes file; the listen address needs a
restart) and prints the ready line again; SIGTERM or SIGINT stops it cleanly: the socket
is closed, the pid file removed, exit status 0. One line per event on stdout, so run it
with -u when stdout is a pipe."""
import argparse
import http.server
import json
import os
import signal
import sys
import urllib.parse

MAX_NOTE = 4096


class Stop(BaseException):
    """Raised by the SIGTERM/SIGINT handler to leave serve_forever. A BaseException, like
    KeyboardInterrupt: socketserver's handle_error catches Exception, so a stop signal that
    lands while a request is being handled would otherwise be logged and ignored."""


def log(msg):
    print(msg, flush=True)


def load_config(path):
    """Returns the configuration as a dict; raises ValueError naming the file."""
    try:
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
    except OSError as e:
        raise ValueError(f"{path}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}:{e.lineno}:{e.colno}: {e.msg}") from None
    if not isinstance(cfg, dict):
        raise ValueError(f"{path}: the configuration must be a JSON object")
    base = os.path.dirname(os.path.abspath(path))
    out = {
        "listen": cfg.get("listen", "127.0.0.1"),
        "port": cfg.get("port", 8090),
        "greeting": cfg.get("greeting", "Hello"),
        "notes": os.path.join(base, cfg.get("notes", "notes.txt")),
        "pid_file": os.path.join(base, cfg["pid_file"]) if cfg.get("pid_file") else None,
    }
    if not isinstance(out["port"], int) or not 0 < out["port"] < 65536:
        raise ValueError(f"{path}: port must be an integer from 1 to 65535")
    if not isinstance(out["greeting"], str):
        raise ValueError(f"{path}: greeting must be a string")
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "example-service/1"

    def reply(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        cfg = self.server.config
        if url.path == "/healthz":
            self.reply(200, "ok\n", "text/plain")
        elif url.path == "/hello":
            name = urllib.parse.parse_qs(url.query).get("name", ["world"])[0]
            self.reply(200, {"message": f"{cfg['greeting']}, {name}"})
        elif url.path == "/notes":
            try:
                with open(cfg["notes"], encoding="utf-8") as f:
                    count = sum(1 for _ in f)
            except FileNotFoundError:
                count = 0
            self.reply(200, {"notes": count})
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        if path in ("/healthz", "/hello"):
            self.reply(405, {"error": "method not allowed"})
            return
        if path != "/notes":
            self.reply(404, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_NOTE:
            self.reply(400, {"error": f"a note is 1 to {MAX_NOTE} bytes"})
            return
        try:
            text = self.rfile.read(length).decode("utf-8")
        except UnicodeDecodeError:
            self.reply(400, {"error": "a note is UTF-8 text"})
            return
        line = " ".join(text.split()) + "\n"
        with open(self.server.config["notes"], "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
        self.reply(201, {"stored": len(line) - 1})

    def log_message(self, fmt, *args):
        log(f"request: {self.address_string()} {fmt % args}")


def main():
    parser = argparse.ArgumentParser(description="A small HTTP service (syscribe example).")
    parser.add_argument("--config", required=True, help="JSON configuration file")
    args = parser.parse_args()
    try:
        cfg = load_config(args.config)
    except ValueError as e:
        print(f"service: {e}", file=sys.stderr)
        return 1

    server = http.server.HTTPServer((cfg["listen"], cfg["port"]), Handler)
    server.config = cfg
    generation = 1

    def reload(signum, frame):
        nonlocal generation
        try:
            new = load_config(args.config)
        except ValueError as e:
            log(f"reload failed, keeping the running configuration: {e}")
            return
        if (new["listen"], new["port"]) != (cfg["listen"], cfg["port"]):
            log("reload: the listen address changes only on restart")
        server.config = dict(new, listen=cfg["listen"], port=cfg["port"])
        generation += 1
        log(f"ready: serving on {cfg['listen']}:{cfg['port']} (configuration {generation})")

    def stop(signum, frame):
        # A second stop signal must not interrupt the cleanup below.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise Stop(signal.Signals(signum).name)

    signal.signal(signal.SIGHUP, reload)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if cfg["pid_file"]:
        tmp = cfg["pid_file"] + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{os.getpid()}\n")
        os.replace(tmp, cfg["pid_file"])
    log(f"ready: serving on {cfg['listen']}:{cfg['port']} (configuration {generation})")
    try:
        server.serve_forever(poll_interval=0.5)
    except Stop as e:
        log(f"stopping on {e}")
    finally:
        server.server_close()
        if cfg["pid_file"]:
            try:
                os.unlink(cfg["pid_file"])
            except FileNotFoundError:
                pass
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
