"""Real parts for the cluster tests and notebook 10: Debian's redis-server on a free port of
127.0.0.1 (optionally TLS with a certificate made here, and a password), and `paralab worker`
processes. Nothing is mocked; everything started here is stopped by the caller's fixture."""
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLI = ROOT / "kernel" / "dist" / "cli" / "main.js"
KEY = "test-cluster-key-0123456789abcdef"
#: Workers give up a dead worker's tasks after 2 s instead of 10 (the fault tests wait for it).
LOCK_MS = "2000"
WAIT_S = 60


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, what, timeout=WAIT_S):
    """Polls until predicate() is true; fails naming `what` (a bounded wait, not a timing check)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class RedisServer:
    def __init__(self, tmp, tls=False, password=None):
        if not shutil.which("redis-server"):
            raise RuntimeError("redis-server is missing: run scripts/setup-redis.sh as root")
        self.port = free_port()
        self.password = password
        self.tls = tls
        self.ca = None
        args = ["redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp)]
        if tls:
            self.ca = tmp / "cert.pem"
            key = tmp / "key.pem"
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(self.ca),
                 "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                check=True, capture_output=True,
            )
            args += ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", str(self.ca),
                     "--tls-key-file", str(key), "--tls-auth-clients", "no"]
        else:
            args += ["--port", str(self.port)]
        if password:
            args += ["--requirepass", password]
        self.log = open(tmp / f"redis-{self.port}.log", "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: "Ready to accept connections" in (tmp / f"redis-{self.port}.log").read_text(), "redis-server")

    @property
    def url(self):
        auth = f":{self.password}@" if self.password else ""
        return f"{'rediss' if self.tls else 'redis'}://{auth}127.0.0.1:{self.port}"

    def cli(self, *args):
        cmd = ["redis-cli", "-p", str(self.port)]
        if self.tls:
            cmd += ["--tls", "--cacert", str(self.ca)]
        if self.password:
            cmd += ["--no-auth-warning", "-a", self.password]
        return subprocess.run(cmd + list(args), capture_output=True, text=True, check=True).stdout.strip()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        self.kill()
        self.log.close()


class Worker:
    """A `paralab worker` process; its output goes to a log file the tests read."""

    def __init__(self, tmp, url, concurrency=1, key=KEY, env=None, args=()):
        self.log_path = tmp / f"worker-{time.monotonic_ns()}.log"
        self.log = open(self.log_path, "w")
        wenv = {**os.environ, "PARALAB_CLUSTER_KEY": key, "PARALAB_CLUSTER_LOCK_MS": LOCK_MS, **(env or {})}
        self.proc = subprocess.Popen(
            ["node", str(CLI), "worker", "--redis", url, "--concurrency", str(concurrency), *args],
            stdout=self.log, stderr=subprocess.STDOUT, env=wenv,
        )
        wait_for(lambda: "serving queue" in self.text() or self.proc.poll() is not None, "the worker to start")
        assert self.proc.poll() is None, self.text()

    @property
    def pid(self):
        return self.proc.pid

    def text(self):
        return self.log_path.read_text()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def run_cli(*args, env=None):
    return subprocess.run(["node", str(CLI), *args], capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=WAIT_S)
