#!/usr/bin/env python3
"""The worker's enqueue socket under abuse, measured on the real binary (issue 15,
items 4 and 5). Not a cargo bench: run it by hand with a built binary.

    python3 benches/socket_limits.py BINARY descriptors [NOFILE [CONNECTIONS]]
    python3 benches/socket_limits.py BINARY line [MiB]

descriptors: a worker started with `ulimit -n NOFILE` (default 1024) gets CONNECTIONS
(default 1,100) idle connections; for 5 s it reports the worker's CPU seconds (utime + stime from /proc/PID/stat) and how
much its log file grew, whether an event queued by `send` meanwhile is delivered,
whether one written on a new connection meanwhile is answered, and whether one is
delivered once the idle connections are closed.

line: a worker gets one line of MiB mebibytes (default 100) without a newline; it
reports VmRSS and VmHWM (from /proc/PID/status) before, right after, and 2 s after
the connection closed, what the worker answered, and whether a following event is
delivered.
"""
import http.server
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.path.abspath(sys.argv[1])
WHAT = sys.argv[2] if len(sys.argv) > 2 else "descriptors"
TICK = os.sysconf("SC_CLK_TCK")
EVENT = b'{"integration":"hook","type":"scan.finished","payload":{"n":1}}\n'


class Receiver(http.server.BaseHTTPRequestHandler):
    delivered = 0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        Receiver.delivered += 1
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def receiver():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def home_with_hook(url):
    home = tempfile.mkdtemp(prefix="socket-limits-")
    subprocess.run([BIN, "--home", home, "add", "--name", "hook", "--url", url],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return home


def start_worker(home, nofile=None):
    def limits():
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    worker = subprocess.Popen([BIN, "--home", home, "worker"], preexec_fn=limits,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    path = os.path.join(home, "worker.sock")
    for _ in range(200):
        if os.path.exists(path):
            break
        time.sleep(0.05)
    time.sleep(0.5)
    return worker, path


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def memory(pid):
    found = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) // 1024
    return f"VmRSS {found['VmRSS']} MiB, VmHWM {found['VmHWM']} MiB"


def log_bytes(home):
    try:
        return os.path.getsize(os.path.join(home, "logs", "hookconsole.log"))
    except FileNotFoundError:
        return 0


def send_event(path, timeout):
    """Writes one event on a new connection; its answer, or why there is none."""
    client = socket.socket(socket.AF_UNIX)
    client.settimeout(timeout)
    try:
        client.connect(path)
        try:
            client.sendall(EVENT)
        except BrokenPipeError:
            pass  # refused and closed at once: its answer is there to read
        answer = client.makefile("rb").readline().decode().strip()
        return answer or "(closed without an answer)"
    except OSError as error:
        return f"(no answer: {error})"
    finally:
        client.close()


def until_delivered(count, timeout):
    deadline = time.time() + timeout
    while Receiver.delivered < count and time.time() < deadline:
        time.sleep(0.05)
    return Receiver.delivered >= count


def descriptors(nofile, connections):
    server = receiver()
    home = home_with_hook(f"http://127.0.0.1:{server.server_port}/hook")
    worker, path = start_worker(home, nofile=nofile)
    idle = []
    refused = 0
    for _ in range(connections):
        client = socket.socket(socket.AF_UNIX)
        client.settimeout(2)
        try:
            client.connect(path)
            idle.append(client)
        except OSError:
            refused += 1
            client.close()
    log_before, cpu_before = log_bytes(home), cpu_seconds(worker.pid)
    started = time.time()
    # Queued by another process (`send` writes the queue): the worker must deliver it.
    subprocess.run([BIN, "--home", home, "send", "hook", "--event", "scan.finished",
                    "--file", "-"], input=b'{"n":0}', check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    answer = send_event(path, timeout=4)
    time.sleep(max(0, 5 - (time.time() - started)))
    cpu = cpu_seconds(worker.pid) - cpu_before
    grown = log_bytes(home) - log_before
    queued_delivered = Receiver.delivered
    print(f"{connections:,} connections at ulimit -n {nofile} "
          f"({len(idle)} connected, {refused} not):")
    print(f"  worker CPU in 5 s: {cpu:.2f} s; log grew {grown:,} bytes "
          f"(holds {log_bytes(home):,})")
    print(f"  an event queued by `send` meanwhile delivered: {queued_delivered >= 1}")
    print(f"  an event on a new connection meanwhile: {answer}")
    for client in idle:
        client.close()
    time.sleep(1)
    answer = send_event(path, timeout=4)
    print(f"  an event after the idle connections closed: {answer}")
    print(f"  delivered: {until_delivered(2, 10)} ({Receiver.delivered} requests)")
    worker.terminate()
    worker.wait()
    server.shutdown()


def long_line(mebibytes):
    server = receiver()
    home = home_with_hook(f"http://127.0.0.1:{server.server_port}/hook")
    worker, path = start_worker(home)
    print(f"a {mebibytes} MiB line without a newline:")
    print(f"  before:             {memory(worker.pid)}")
    client = socket.socket(socket.AF_UNIX)
    client.connect(path)
    answers = []

    def read_answers():
        reading = client.makefile("rb")
        try:
            answers.extend(line.decode().strip() for line in reading)
        except OSError as error:
            answers.append(f"(read: {error})")
    reader = threading.Thread(target=read_answers)
    reader.start()
    chunk = b"a" * (1 << 20)
    sent = 0
    try:
        for _ in range(mebibytes):
            client.sendall(chunk)
            sent += 1
        client.shutdown(socket.SHUT_WR)
    except OSError as error:
        print(f"  the worker stopped reading after {sent} MiB: {error}")
    reader.join(timeout=30)
    print(f"  answered: {answers or '(nothing)'}")
    print(f"  after the line:     {memory(worker.pid)}")
    client.close()
    time.sleep(2)
    print(f"  2 s after closing:  {memory(worker.pid)}")
    answer = send_event(path, timeout=10)
    print(f"  a following event: {answer}; delivered: {until_delivered(1, 10)}")
    worker.terminate()
    worker.wait()
    server.shutdown()


if WHAT == "descriptors":
    descriptors(int(sys.argv[3]) if len(sys.argv) > 3 else 1024,
                int(sys.argv[4]) if len(sys.argv) > 4 else 1100)
else:
    long_line(int(sys.argv[3]) if len(sys.argv) > 3 else 100)
