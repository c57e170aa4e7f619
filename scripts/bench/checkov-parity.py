#!/usr/bin/env python3
"""Compare Checkov's failures with kensa's on the same directory.

    checkov --framework kubernetes --skip-download -o json -d DIR > checkov.json
    kensa scan DIR -o json > kensa.json
    scripts/bench/checkov-parity.py checkov.json kensa.json [--show N]

For every Checkov failure whose check id is an alias of a kensa check, the
same resource (file, kind, namespace, name) must have a kensa finding of
that check. Prints, per Checkov id: Checkov's failures, how many kensa
matched, and the first misses; and the Checkov ids kensa has no check for.
Exit 1 when a Checkov failure with a kensa equivalent is missed.
"""
import collections
import json
import os
import sys


def norm_path(path):
    # Checkov prints paths relative to its -d argument with a leading "/".
    return os.path.normpath(path.lstrip("/")).split("/corpus/", 1)[-1]


def checkov_failures(path):
    data = json.load(open(path))
    reports = data if isinstance(data, list) else [data]
    out = []
    for report in reports:
        for failure in report["results"]["failed_checks"]:
            kind, namespace, name = failure["resource"].split(".", 2)
            out.append((failure["check_id"], norm_path(failure["file_path"]), kind, namespace, name))
    return out


def kensa_findings(path):
    data = json.load(open(path))
    found = set()
    aliases = {}
    for result in data["Results"]:
        target = norm_path(result["Target"])
        for m in result["Misconfigurations"]:
            resource = m["CauseMetadata"]["Resource"]
            kind, _, rest = resource.partition(" ")
            namespace, _, name = rest.rpartition("/")
            for alias in m["Aliases"]:
                aliases[alias] = m["ID"]
            found.add((m["ID"], target, kind, namespace or "default", name))
    return found, aliases


def main():
    args = sys.argv[1:]
    show = 3
    if "--show" in args:
        i = args.index("--show")
        show = int(args[i + 1])
        del args[i : i + 2]
    checkov_path, kensa_path = args
    failures = checkov_failures(checkov_path)
    found, aliases = kensa_findings(kensa_path)
    # Aliases of checks that found nothing here are missing from the JSON;
    # `kensa scan --list-checks` would list them, so ask kensa directly.
    kensa = os.environ.get("KENSA", "target/release/kensa")
    if os.path.exists(kensa):
        import subprocess

        listing = subprocess.run([kensa, "scan", "--list-checks", "--color", "never"], capture_output=True, text=True).stdout
        for line in listing.splitlines():
            cells = [c.strip() for c in line.strip("│|").split("┆" if "┆" in line else "|")]
            if len(cells) >= 2 and cells[0] and not cells[0].startswith("ID"):
                for alias in cells[1].split():
                    aliases.setdefault(alias, cells[0])
    per_check = collections.defaultdict(lambda: [0, 0, []])
    unmapped = collections.Counter()
    for check_id, file, kind, namespace, name in failures:
        kensa_id = aliases.get(check_id)
        if kensa_id is None:
            unmapped[check_id] += 1
            continue
        entry = per_check[check_id]
        entry[0] += 1
        if (kensa_id, file, kind, namespace, name) in found:
            entry[1] += 1
        else:
            entry[2].append(f"{file}: {kind} {namespace}/{name}")
    missed = 0
    print(f"{'Checkov id':<12} {'kensa id':<44} {'Checkov':>7} {'kensa':>6}")
    for check_id in sorted(per_check, key=lambda c: (c.split("_")[0], int(c.rsplit("_", 1)[1]))):
        total, matched, misses = per_check[check_id]
        missed += total - matched
        print(f"{check_id:<12} {aliases[check_id]:<44} {total:>7} {matched:>6}")
        for miss in misses[:show]:
            print(f"    missed: {miss}")
    print(f"\nChecked {sum(v[0] for v in per_check.values())} Checkov failures with a kensa equivalent; {missed} missed.")
    if unmapped:
        print("Checkov ids with no kensa equivalent: " + ", ".join(f"{k} ({v})" for k, v in sorted(unmapped.items())))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
