"""The server workload: nginx (Debian's nginx-light) serving a small static file on
127.0.0.1, loaded by wrk for a fixed duration with a fixed number of connections. The
variant wraps nginx's command line (nginx runs in the foreground, one worker); the result
is requests per second as wrk reports it, and the tracer's peak RSS."""
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

from common import loadavg, peak_rss_poller

NGINX = "/usr/sbin/nginx"
CONF = """daemon off;
master_process on;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 256; }}
http {{
  access_log {d}/access.log;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {d}/www;
  }}
}}
"""
RPS = re.compile(r"Requests/sec:\s+([\d.]+)")


def missing():
    """What is not installed, as an apt-get hint, or None."""
    need = [(NGINX, "nginx-light"), ("wrk", "wrk")]
    gone = [pkg for path, pkg in need if not shutil.which(path)]
    return f"apt-get install {' '.join(gone)}" if gone else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def run_loaded(cmd, name, port, load_cmd, rate, rate_name, pidfile, stop_signal):
    """Starts the (wrapped) server command, waits for its port, runs the load command, reads
    the rate from its output, stops the server by signalling the pid in `pidfile`, and
    returns (rate, tracer peak RSS KiB or 0, load average at the start)."""
    load = loadavg()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    rss, stop = [0], threading.Event()
    poller = threading.Thread(target=peak_rss_poller, args=(proc.pid, stop, rss))
    poller.start()
    try:
        if not wait_port(port, proc):
            why = proc.stderr.read().decode(errors='replace')[-300:] if proc.poll() is not None else 'timeout'
            raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port}: {why}")
        out = subprocess.run(load_cmd, capture_output=True, text=True, check=True).stdout
        hit = rate.search(out)
        if not hit:
            raise RuntimeError(f"{load_cmd[0]} printed no {rate_name}: {out[-300:]}")
        with open(pidfile) as f:
            os.kill(int(f.read()), stop_signal)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stop.set()
        poller.join()
        proc.stderr.close()
    return float(hit[1]), rss[0], load


class Server:
    """A scratch directory with the config and a 612-byte page (the size of nginx's
    default index.html)."""

    def __init__(self, tmp, seconds, connections):
        self.dir = os.path.join(tmp, "nginx")
        os.makedirs(os.path.join(self.dir, "www"), exist_ok=True)
        with open(os.path.join(self.dir, "www", "index.html"), "w") as f:
            f.write("<!DOCTYPE html>\n" + "x" * 595 + "\n")
        self.seconds, self.connections = seconds, connections

    def command(self):
        """nginx's command line with a fresh port in its config."""
        self.port = free_port()
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write(CONF.format(d=self.dir, port=self.port))
        return [NGINX, "-p", self.dir, "-c", os.path.join(self.dir, "nginx.conf"), "-e", os.path.join(self.dir, "error.log")]

    def measure(self, cmd):
        """Runs the (wrapped) server command, loads it with wrk, stops nginx gracefully
        (SIGQUIT to its master) and returns (requests/s, tracer peak RSS KiB or 0, load)."""
        load = ["wrk", "-t1", f"-c{self.connections}", f"-d{self.seconds}s", f"http://127.0.0.1:{self.port}/index.html"]
        return run_loaded(cmd, "nginx", self.port, load, RPS, "Requests/sec",
                          os.path.join(self.dir, "nginx.pid"), signal.SIGQUIT)

REDIS = "/usr/bin/redis-server"
REDIS_RPS = re.compile(r"SET: ([\d.]+) requests per second")


def redis_missing():
    need = [(REDIS, "redis-server"), ("redis-benchmark", "redis-tools")]
    gone = [pkg for path, pkg in need if not shutil.which(path)]
    return f"apt-get install {' '.join(gone)}" if gone else None


class Redis:
    """redis-server without persistence on 127.0.0.1, loaded by `redis-benchmark -t set`
    with a fixed number of requests and connections."""

    def __init__(self, tmp, requests, connections):
        self.dir = os.path.join(tmp, "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.requests, self.connections = requests, connections

    def command(self):
        self.port = free_port()
        return [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", self.dir, "--pidfile", os.path.join(self.dir, "redis.pid"), "--daemonize", "no"]

    def measure(self, cmd):
        """Like Server.measure: (requests/s, tracer peak RSS KiB, load)."""
        load = ["redis-benchmark", "-p", str(self.port), "-q", "-t", "set",
                "-n", str(self.requests), "-c", str(self.connections)]
        return run_loaded(cmd, "redis-server", self.port, load, REDIS_RPS, "SET rate",
                          os.path.join(self.dir, "redis.pid"), signal.SIGTERM)
