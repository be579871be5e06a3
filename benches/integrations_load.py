#!/usr/bin/env python3
"""Loading many integrations, the whole process (issue 20 item 4). Not a cargo bench:
run it with a built binary.

    cargo build --release --locked
    python3 benches/integrations_load.py target/release/hookconsole [COUNT [RUNS]]

Writes COUNT (default 10,000) integrations to a temporary home in the layout
hookconsole writes (a third each no authentication, Basic and OAuth, a Jira-like
content sample, every fifth disabled), then runs `show` of one (read, parse and
validate them all), `list --json` and `list` RUNS times (default 7) each and prints
the median and range of wall time, user + system CPU time and peak RSS
(GNU time, /usr/bin/time; its CPU times come in steps of 10 ms). An empty home's `list` is the baseline of the process.
"""
import os
import statistics
import subprocess
import sys
import time
import tempfile

BIN = os.path.abspath(sys.argv[1])
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
RUNS = int(sys.argv[3]) if len(sys.argv) > 3 else 7


def write_home(root, count):
    home = os.path.join(root, f"home-{count}")
    os.mkdir(home, 0o700)
    out = ["# hookconsole webhook integrations.\n", "schema: 2\n", "integrations:\n"]
    for i in range(count):
        out.append(f"- name: integration {i:05}\n")
        out.append(f"  url: https://host{i % 97}.example.test/rest/api/2/issue/{i}\n")
        out.append("  retry_interval: 60\n")
        if i % 3 == 1:
            out.append("  http_method: PUT\n  authentication:\n    type: basic\n"
                       "    username: scanner\n    password: pw\n")
        elif i % 3 == 2:
            out.append("  authentication:\n    type: oauth\n    client_id: id\n"
                       "    client_secret: secret\n"
                       "    token_url: https://auth.example.test/oauth/token\n"
                       "    authorize_url: https://auth.example.test/authorize\n")
        out.append("  content_sample: '{\"fields\": {\"project\": {\"key\": \"TEST\"},"
                   " \"summary\": \"{{ finding.name }}\"}}'\n")
        if i % 5 == 0:
            out.append("  enabled: false\n")
    path = os.path.join(home, "integrations.yaml")
    with open(path, "w") as file:
        file.write("".join(out))
    os.chmod(path, 0o600)
    return home, os.path.getsize(path)


def run(args):
    # GNU time forks from a process of its own, a megabyte or two: a fork of this Python
    # process would count Python's pages in the command's peak.
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", BIN, *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"{args} failed: {result.stderr}")
    wall = time.perf_counter() - started
    _, user, system, peak = result.stderr.strip().splitlines()[-1].split()
    return wall * 1000, (float(user) + float(system)) * 1000, int(peak) / 1024


def report(name, args):
    samples = [run(args) for _ in range(RUNS)]
    columns = []
    for index, unit in [(0, "ms wall"), (1, "ms CPU"), (2, "MB peak")]:
        values = [sample[index] for sample in samples]
        columns.append(f"{statistics.median(values):7.1f} {unit} ({min(values):.1f}-{max(values):.1f})")
    print(f"{name:<28} " + "  ".join(columns))


with tempfile.TemporaryDirectory() as root:
    empty = os.path.join(root, "empty")
    os.mkdir(empty, 0o700)
    home, size = write_home(root, COUNT)
    print(f"{COUNT} integrations, {size / 1e6:.1f} MB of YAML, {RUNS} runs each, "
          f"load average {os.getloadavg()[0]:.1f}")
    report("list, empty home", ["--home", empty, "list"])
    report("show one of them", ["--home", home, "show", "integration 00001"])
    report("list --json", ["--home", home, "list", "--json"])
    report("list", ["--home", home, "list"])
