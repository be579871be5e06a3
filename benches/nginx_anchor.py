#!/usr/bin/env python3
"""Deliveries measured against independent anchors (issue 20 items 1 and 2): the worker
delivering into nginx, next to wrk's rate against the same nginx in the same run, over
plain HTTP and over HTTPS with nginx's self-signed certificate pinned. Not a cargo
bench: run it with a built binary and Debian's nginx-light and wrk installed.

    apt-get install nginx-light wrk
    cargo build --release --locked
    python3 benches/nginx_anchor.py target/release/hookconsole [EVENTS [ROUNDS]]

Each round: wrk -t1 -c64 -d5s POSTing a 1 KiB JSON body (plain, then HTTPS), the HTTP
clients alone on one thread against the same nginx (the `http_clients` bench: reqwest
as the worker builds it, and hyper directly; built here with cargo), and the
worker delivering EVENTS (default 20,000) queued 1 KiB events with every attempt logged
(plain, then HTTPS), timed from the worker's start to the last delivery committed. nginx
runs one worker process and answers `return 200`. Prints each round and the medians,
with the worker's CPU per delivery next to wrk's and nginx's, and its peak memory.

After the rounds, 5,000 more deliveries go over HTTPS to a second nginx port that logs
each request's connection and whether its TLS session was resumed (logging costs nginx
CPU, so the timed rounds do not log): the script prints the handshakes per 1,000
deliveries, how many resumed an earlier session, and the protocol and cipher.

HOOKCONSOLE_BENCH_CONCURRENCY=N (default 64) sets the requests in flight of both wrk (-cN)
and the worker (`concurrency` and `concurrency_per_integration`); the clients-alone
bench keeps its 64.

HOOKCONSOLE_BENCH_PERF=FILE records the plain-HTTP worker with perf (call graphs) into
FILE; its rate and CPU are then perf's too, not comparable.

HOOKCONSOLE_BENCH_COMPARE=BIN2 compares two builds instead, plain HTTP only: each round
runs wrk once, then BIN and BIN2 deliver EVENTS each into the same nginx, the order
reversed every other round, and the medians of each binary's share of wrk and CPU per
delivery are printed. On two shared cores one run's rounds spread by 10 points or more;
compare builds this way, over ten rounds, rather than across runs.
"""
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1])
EVENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
# HOOKCONSOLE_BENCH_PERF=FILE: the plain-HTTP worker recorded with perf into FILE.
PERF = os.environ.get("HOOKCONSOLE_BENCH_PERF")
# HOOKCONSOLE_BENCH_COMPARE=BIN2: a second build to compare with BIN, round by round.
COMPARE = os.environ.get("HOOKCONSOLE_BENCH_COMPARE")
# Requests in flight, for wrk and for the worker alike.
CONCURRENCY = int(os.environ.get("HOOKCONSOLE_BENCH_CONCURRENCY", "64"))
PLAIN_PORT, TLS_PORT, TLS_LOGGED_PORT = 18480, 18443, 18444
HANDSHAKE_EVENTS = 5_000
BODY = json.dumps({"finding": {"name": "x" * 960, "severity": "high"}})
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of a process and its waited-for children, from /proc."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return sum(int(value) for value in fields[11:15]) / TICK
    except OSError:
        return 0.0


def peak_memory_kib(pid):
    """The peak resident memory of a running process (VmHWM), from /proc."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


NGINX_PID_FILE = None


def nginx_pids():
    """This run's nginx, master and workers: not another run's, which may still be
    exiting with a minute of CPU on its count (a negative difference followed)."""
    master = int(open(NGINX_PID_FILE).read())
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return [master] + [int(pid) for pid in out.split()]


def stop_nginx(root):
    """Stops nginx and waits for its master to be gone."""
    master = int(open(NGINX_PID_FILE).read())
    subprocess.run(["nginx", "-c", f"{root}/nginx.conf", "-p", root, "-s", "stop"],
                   capture_output=True)
    for _ in range(100):
        if not os.path.exists(f"/proc/{master}"):
            break
        time.sleep(0.05)


def start_nginx(root):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", f"{root}/key.pem", "-out", f"{root}/cert.pem"],
                   check=True, capture_output=True)
    conf = f"""
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_buffer_size 16k;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{PLAIN_PORT};
        listen 127.0.0.1:{TLS_PORT} ssl;
        ssl_certificate {root}/cert.pem;
        ssl_certificate_key {root}/key.pem;
        location / {{ return 200 "ok"; }}
    }}
    log_format handshakes '$connection $ssl_session_reused $ssl_protocol $ssl_cipher';
    server {{
        listen 127.0.0.1:{TLS_LOGGED_PORT} ssl;
        ssl_certificate {root}/cert.pem;
        ssl_certificate_key {root}/key.pem;
        access_log {root}/handshakes.log handshakes;
        location / {{ return 200 "ok"; }}
    }}
}}
"""
    with open(f"{root}/nginx.conf", "w") as file:
        file.write(conf)
    global NGINX_PID_FILE
    NGINX_PID_FILE = f"{root}/nginx.pid"
    subprocess.run(["nginx", "-c", f"{root}/nginx.conf", "-p", root], check=True)
    time.sleep(0.3)


def wrk(url, root):
    script = f"{root}/post.lua"
    with open(script, "w") as file:
        file.write('wrk.method = "POST"\n'
                   'wrk.headers["Content-Type"] = "application/json"\n'
                   f"wrk.body = {json.dumps(BODY)}\n")
    before = sum(cpu_seconds(pid) for pid in nginx_pids())
    started = time.perf_counter()
    out = subprocess.run(["wrk", "-t1", f"-c{CONCURRENCY}", "-d5s", "-s", script, url],
                         capture_output=True, text=True, check=True).stdout
    elapsed = time.perf_counter() - started
    nginx_cpu = sum(cpu_seconds(pid) for pid in nginx_pids()) - before
    rate = float(next(line.split()[1] for line in out.splitlines()
                      if line.startswith("Requests/sec")))
    requests = rate * elapsed
    return rate, nginx_cpu / requests * 1e6


def http_clients_bench():
    """The `http_clients` bench's executable, built if need be."""
    out = subprocess.run(["cargo", "bench", "--bench", "http_clients", "--no-run",
                          "--message-format=json"], cwd=os.path.dirname(os.path.dirname(
                              os.path.abspath(__file__))), capture_output=True, text=True,
                         check=True).stdout
    return next(json.loads(line)["executable"] for line in out.splitlines()
                if '"executable":"' in line and "http_clients" in line)


def clients_alone(bench, url):
    """Requests/s of reqwest, of hyper, and of the worker's send, one thread each."""
    out = subprocess.run([bench, url, "5"], capture_output=True, text=True,
                         check=True).stdout
    rates = [float(line.split(": ")[1].split()[0]) for line in out.splitlines()]
    return rates[0], rates[1], rates[2]


def deliver(url, root, name, pin, events=EVENTS, binary=BIN):
    home = tempfile.mkdtemp(dir=root)
    run = lambda *args, **kw: subprocess.run([binary, "--home", home, *args], check=True,
                                             capture_output=True, text=True, **kw)
    add = ["add", "--name", name, "--url", url]
    if pin:
        add += ["--certificate", f"{root}/cert.pem"]
    run(*add)
    run("settings", f"concurrency={CONCURRENCY}",
        f"concurrency_per_integration={CONCURRENCY}")
    line = json.dumps({"integration": name, "type": "finding.new",
                       "payload": json.loads(BODY)}) + "\n"
    run("send", "--batch", input=line * events)
    db = sqlite3.connect(f"{home}/deliveries.sqlite3")
    before = sum(cpu_seconds(pid) for pid in nginx_pids())
    started = time.perf_counter()
    command = [binary, "--home", home, "worker"]
    if PERF and not pin:
        # perf's own CPU is counted with the worker's: the rate is not comparable.
        command = ["perf", "record", "-q", "-F", "2000", "--call-graph", "dwarf,16384",
                   "-o", PERF, "--", *command]
    worker = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    pid = worker.pid
    while PERF and not pin and pid == worker.pid:
        children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True,
                                  text=True).stdout.split()
        pid = int(children[0]) if children else pid
    worker_cpu = 0.0
    while True:
        worker_cpu = cpu_seconds(pid) or worker_cpu
        # Through the partial indexes of the jobs still to go: counting the delivered
        # ones read the whole table every 10 ms, a fifth of a core taken from the run.
        left = db.execute("SELECT (SELECT count(*) FROM jobs WHERE state = 'queued') + "
                          "(SELECT count(*) FROM jobs WHERE state = 'claimed')").fetchone()[0]
        if left == 0:
            break
        assert time.perf_counter() - started < 300, "deliveries did not finish"
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    nginx_cpu = sum(cpu_seconds(pid) for pid in nginx_pids()) - before
    done = db.execute("SELECT count(*) FROM jobs WHERE state = 'delivered'").fetchone()[0]
    assert done == events, f"{done} of {events} delivered"
    peak_kib = peak_memory_kib(pid)
    # The worker itself, not perf around it: perf would leave it running.
    os.kill(pid, signal.SIGTERM)
    worker.wait()
    db.close()
    shutil.rmtree(home)
    return (events / elapsed, worker_cpu / events * 1e6, nginx_cpu / events * 1e6,
            peak_kib / 1024)


def handshakes(root):
    """HTTPS deliveries to the logging port: connections (one handshake each), how many
    resumed a session, and the protocols and ciphers nginx saw."""
    deliver(f"https://127.0.0.1:{TLS_LOGGED_PORT}/hook", root, "logged", True,
            HANDSHAKE_EVENTS)
    # nginx writes its log lines as requests end; give the last ones a moment.
    time.sleep(0.3)
    connections = {}
    with open(f"{root}/handshakes.log") as log:
        for line in log:
            connection, reused, protocol, cipher = line.split()
            connections.setdefault(connection, (reused == "r", f"{protocol} {cipher}"))
    resumed = sum(1 for reused, _ in connections.values() if reused)
    kinds = sorted({kind for _, kind in connections.values()})
    print(f"handshakes: {len(connections)} connections for {HANDSHAKE_EVENTS:,} HTTPS "
          f"deliveries = {1000 * len(connections) / HANDSHAKE_EVENTS:.1f} per 1,000; "
          f"{resumed} resumed an earlier session; {', '.join(kinds)}", flush=True)


def compare(other):
    """Two builds into the same nginx, alternating within each round (see the top)."""
    builds = [BIN, os.path.abspath(other)]
    root = tempfile.mkdtemp(prefix="hookconsole-nginx-")
    start_nginx(root)
    shares = {build: [] for build in builds}
    try:
        for round_ in range(1, ROUNDS + 1):
            wrk_plain, _ = wrk(f"http://127.0.0.1:{PLAIN_PORT}/hook", root)
            order = builds if round_ % 2 else builds[::-1]
            for build in order:
                rate, worker_us, _, _ = deliver(f"http://127.0.0.1:{PLAIN_PORT}/hook", root,
                                                "plain", False, binary=build)
                shares[build].append((rate / wrk_plain, worker_us))
                print(f"round {round_}: {build}: {rate:,.0f}/s = "
                      f"{100 * rate / wrk_plain:.0f}% of wrk {wrk_plain:,.0f}; "
                      f"{worker_us:.1f} us/delivery", flush=True)
    finally:
        stop_nginx(root)
        shutil.rmtree(root, ignore_errors=True)
    for build in builds:
        share = statistics.median(row[0] for row in shares[build])
        cpu = [row[1] for row in shares[build]]
        print(f"median: {build}: {100 * share:.1f}% of wrk, "
              f"{statistics.median(cpu):.1f} us/delivery ({min(cpu):.1f}-{max(cpu):.1f})")


def main():
    if COMPARE:
        return compare(COMPARE)
    bench = http_clients_bench()
    root = tempfile.mkdtemp(prefix="hookconsole-nginx-")
    start_nginx(root)
    rows = []
    try:
        for round_ in range(1, ROUNDS + 1):
            wrk_plain, nginx_us_wrk = wrk(f"http://127.0.0.1:{PLAIN_PORT}/hook", root)
            wrk_tls, _ = wrk(f"https://127.0.0.1:{TLS_PORT}/hook", root)
            reqwest_alone, hyper_alone, send_alone = clients_alone(
                bench, f"http://127.0.0.1:{PLAIN_PORT}/hook")
            ours_plain, worker_us, nginx_us, peak_plain = deliver(
                f"http://127.0.0.1:{PLAIN_PORT}/hook", root, "plain", False)
            ours_tls, worker_us_tls, _, peak_tls = deliver(
                f"https://127.0.0.1:{TLS_PORT}/hook", root, "tls", True)
            rows.append((wrk_plain, wrk_tls, ours_plain, ours_tls, worker_us, worker_us_tls,
                         nginx_us, nginx_us_wrk, reqwest_alone, hyper_alone,
                         max(peak_plain, peak_tls), send_alone))
            print(f"round {round_}: wrk {wrk_plain:,.0f} req/s plain, {wrk_tls:,.0f} HTTPS; "
                  f"worker {ours_plain:,.0f} deliveries/s plain = {100 * ours_plain / wrk_plain:.0f}% "
                  f"of wrk, {ours_tls:,.0f} HTTPS = {100 * ours_tls / ours_plain:.0f}% of its plain; "
                  f"worker CPU {worker_us:.0f} us/delivery plain, {worker_us_tls:.0f} HTTPS; "
                  f"nginx {nginx_us:.0f} us/request (worker's), {nginx_us_wrk:.0f} (wrk's); "
                  f"clients alone: reqwest {reqwest_alone:,.0f}/s = "
                  f"{100 * reqwest_alone / wrk_plain:.0f}% of wrk, hyper {hyper_alone:,.0f}/s = "
                  f"{100 * hyper_alone / wrk_plain:.0f}%, the worker's send "
                  f"{send_alone:,.0f}/s = {100 * send_alone / wrk_plain:.0f}%; worker peak "
                  f"{peak_plain:.1f} MB plain, {peak_tls:.1f} HTTPS",
                  flush=True)
        handshakes(root)
    finally:
        stop_nginx(root)
        shutil.rmtree(root, ignore_errors=True)
    med = lambda index: statistics.median(row[index] for row in rows)
    ratio = statistics.median(row[2] / row[0] for row in rows)
    tls_ratio = statistics.median(row[3] / row[2] for row in rows)
    print(f"median: worker {med(2):,.0f}/s against wrk {med(0):,.0f}/s = {100 * ratio:.0f}% "
          f"(target 50%); HTTPS {med(3):,.0f}/s = {100 * tls_ratio:.0f}% of plain (target 90%); "
          f"worker CPU per delivery {med(4):.0f} us plain, {med(5):.0f} us HTTPS; "
          f"clients alone: reqwest {100 * statistics.median(r[8] / r[0] for r in rows):.0f}% "
          f"of wrk, hyper {100 * statistics.median(r[9] / r[0] for r in rows):.0f}%, "
          f"the worker's send {100 * statistics.median(r[11] / r[0] for r in rows):.0f}%; "
          f"worker peak up to {max(r[10] for r in rows):.1f} MB (target 50 MB); "
          f"load average {os.getloadavg()[0]:.1f}")


main()
