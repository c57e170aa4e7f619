#!/usr/bin/env python3
"""kensa serve under load: ingest rate and page times on SQLite and PostgreSQL.

Fills a fresh server with IMAGES image scans (FINDINGS findings in all,
packages and vulnerabilities shared across images as in a real fleet),
posting them one after another over one keep-alive connection, and
reports scans/s. Then requests every page and list (HTML and API,
default and filtered views) ROUNDS times and reports the server time the
server itself measured (its Server-Timing header) - the median and the
worst.

Usage: scripts/bench/vm-server.py [--images 1000] [--findings 200000]
       [--rounds 5] [--db sqlite|postgres|both] [--kensa target/release/kensa]

PostgreSQL is started here with initdb/pg_ctl on a loopback port, in a
temp dir, and stopped at the end.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

TOKEN = "bench-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port, proc, log):
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"kensa serve exited: {open(log).read()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit("kensa serve never answered")


def find_pg_bin(name):
    for directory in ["/usr/local/bin", *sorted(
            (os.path.join("/usr/lib/postgresql", v, "bin")
             for v in (os.listdir("/usr/lib/postgresql") if os.path.isdir("/usr/lib/postgresql") else [])),
            reverse=True)]:
        path = os.path.join(directory, name)
        if os.access(path, os.X_OK):
            return path
    return shutil.which(name)


class Postgres:
    """A throwaway PostgreSQL on loopback (as an unprivileged user when root)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="kensa-bench-pg-")
        self.port = free_port()
        self.data = os.path.join(self.dir, "data")
        prefix = []
        if os.geteuid() == 0:
            os.chmod(self.dir, 0o777)
            prefix = ["runuser", "-u", "nobody", "--"]
        self.prefix = prefix
        subprocess.run(prefix + [find_pg_bin("initdb"), "-D", self.data, "-U", "kensa",
                                 "--auth=trust", "-E", "UTF8"], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(prefix + [find_pg_bin("pg_ctl"), "-D", self.data, "-l",
                                 os.path.join(self.dir, "log"), "-w", "-o",
                                 f"-k {self.dir} -c listen_addresses=127.0.0.1 -p {self.port}",
                                 "start"], check=True, stdout=subprocess.DEVNULL)
        self.url = f"postgres://kensa@127.0.0.1:{self.port}/postgres"

    def stop(self):
        subprocess.run(self.prefix + [find_pg_bin("pg_ctl"), "-D", self.data, "-m", "fast",
                                      "stop"], stdout=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


def fleet(images, findings, seed=7):
    """Image scans shaped like a real fleet: a few base images' package
    sets, shared vulnerabilities, mixed severities and fix states."""
    rng = random.Random(seed)
    per_image = max(1, findings // images)
    package_pool = [(f"lib{n}", f"1.{n % 17}.{n % 5}") for n in range(3000)]
    vuln_pool = [f"CVE-20{20 + n % 6}-{10000 + n}" for n in range(20000)]
    severities = ["CRITICAL"] * 1 + ["HIGH"] * 3 + ["MEDIUM"] * 4 + ["LOW"] * 2 + ["UNKNOWN"]
    clusters = ["prod-eu", "prod-us", "staging"]
    for i in range(images):
        packages = rng.sample(package_pool, 150)
        pkgs = [{"purl": f"pkg:deb/debian/{n}@{v}?arch=amd64", "name": n, "version": v,
                 "type": "deb", "licenses": ["MIT"]} for n, v in packages]
        found = []
        seen = set()
        while len(found) < per_image:
            pkg = rng.choice(pkgs)
            vuln = rng.choice(vuln_pool)
            if (pkg["purl"], vuln) in seen:
                continue
            seen.add((pkg["purl"], vuln))
            fixed = rng.random() < 0.6
            found.append({"vulnerability_id": vuln, "purl": pkg["purl"],
                          "installed_version": pkg["version"],
                          "fixed_version": "9.9.9" if fixed else "",
                          "status": "fixed" if fixed else "affected",
                          "severity": rng.choice(severities),
                          "title": f"{vuln} in {pkg['name']}", "description": "Benchmark data.",
                          "references": [f"https://tracker.example/{vuln}"],
                          "primary_url": f"https://tracker.example/{vuln}", "aliases": [],
                          "cvss_score": round(rng.uniform(1, 10), 1)})
        yield {"schema_version": 1,
               "placements": [{"cluster": clusters[i % 3], "namespace": f"team-{i % 40}",
                               "application": f"app-{i % 400}", "application_kind": "Deployment"}],
               "image": {"name": f"registry.example/team-{i % 40}/svc-{i}:1",
                         "digest": "sha256:" + f"{i:064x}", "os": "debian 12",
                         "platform": "linux/amd64"},
               "packages": pkgs, "findings": found}


PAGES = [
    "/", "/applications", "/images", "/packages", "/vulnerabilities", "/scans",
    "/findings", "/misconfigurations",
    "/vulnerabilities?severity=CRITICAL", "/vulnerabilities?fixable=1&sort=images",
    "/vulnerabilities?q=cve-2021", "/vulnerabilities?cluster=prod-eu&namespace=team-3",
    "/images?severity=CRITICAL&sort=name", "/packages?q=lib12&sort=vulnerabilities",
    "/applications?cluster=staging&sort=critical", "/vulnerabilities?page=40",
    "/vulnerabilities/CVE-2021-10001", "/images/1",
    "/api/v1/dashboard", "/api/v1/vulnerabilities?severity=HIGH,CRITICAL&per_page=100",
    "/api/v1/images?per_page=100", "/api/v1/packages?per_page=100",
    "/api/v1/applications?per_page=100", "/api/v1/findings?per_page=100",
    "/api/v1/vex",
]


def run(kensa, db_url, args, label):
    port = free_port()
    work = tempfile.mkdtemp(prefix="kensa-bench-vm-")
    token_file = os.path.join(work, "token")
    with open(token_file, "w") as f:
        f.write(TOKEN + "\n")
    log = os.path.join(work, "serve.log")
    proc = subprocess.Popen([kensa, "serve", "--listen", f"127.0.0.1:{port}", "--db", db_url,
                             "--token-file", token_file], stderr=open(log, "w"))
    try:
        wait_healthy(port, proc, log)
        bodies = [json.dumps(d).encode() for d in fleet(args.images, args.findings)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        server_ms = []
        started = time.perf_counter()
        for body in bodies:
            conn.request("POST", "/api/v1/uploads/image-scan", body, headers)
            response = conn.getresponse()
            response.read()
            if response.status != 201:
                sys.exit(f"upload failed: {response.status}")
            server_ms.append(float(response.getheader("server-timing").split("dur=")[1]))
        wall = time.perf_counter() - started
        print(f"\n## {label}: ingest of {len(bodies)} image scans "
              f"({args.findings} findings)")
        print(f"- {len(bodies) / wall:.1f} scans/s wall clock ({wall:.1f} s); server time per "
              f"scan median {statistics.median(server_ms):.1f} ms, p95 "
              f"{sorted(server_ms)[int(len(server_ms) * 0.95)]:.1f} ms, max {max(server_ms):.1f} ms")
        print(f"\n| page | median ms | worst ms |\n|---|---:|---:|")
        worst_all = 0.0
        for page in PAGES:
            times = []
            for _ in range(args.rounds):
                conn.request("GET", page)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    sys.exit(f"{page}: {response.status}")
                times.append(float(response.getheader("server-timing").split("dur=")[1]))
            worst_all = max(worst_all, max(times))
            print(f"| `{page}` | {statistics.median(times):.1f} | {max(times):.1f} |")
        print(f"\nslowest page: {worst_all:.1f} ms")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--findings", type=int, default=200000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--kensa", default="target/release/kensa")
    args = parser.parse_args()
    if args.db in ("sqlite", "both"):
        directory = tempfile.mkdtemp(prefix="kensa-bench-sqlite-")
        try:
            run(args.kensa, f"sqlite://{directory}/vm.db", args, "SQLite")
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    if args.db in ("postgres", "both"):
        pg = Postgres()
        try:
            run(args.kensa, pg.url, args, "PostgreSQL")
        finally:
            pg.stop()


if __name__ == "__main__":
    main()
