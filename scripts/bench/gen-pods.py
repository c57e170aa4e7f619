#!/usr/bin/env python3
"""Generate benchmark input for kensa: a large `kubectl get pods -A -o json`
(or `-o yaml`) List.

The Pods look the way the API server returns them: defaults filled in, the
projected kube-api-access-* volume, default tolerations, owner references to
ReplicaSets, StatefulSets, DaemonSets and Jobs, and a kubelet status.
Security settings vary so that about 35% of the Pods pass the restricted
Pod Security profile, 40% pass baseline but not restricted, and 25% fail
baseline.

The output is deterministic for a given seed, and is streamed: memory stays
flat however many Pods are asked for.

How it stays fast: it builds a few hundred Pod "shapes" (varied specs with
@@PLACEHOLDER@@ strings for names, UIDs, times, IPs...), renders each shape
once to JSON or YAML text, and turns the text into a %-format string. Each
Pod is then one dictionary of values and one string formatting operation.

Standard library only (the YAML emitter is hand-written, so PyYAML is not
needed).
"""
import argparse
import json
import random
import re
import sys
import time

NOW = 1732093200  # 2024-11-20T09:00:00Z: the moment the "snapshot" is taken
TARGET_MIX = (("restricted", 0.35), ("baseline", 0.40), ("privileged", 0.25))
ALPHA = "bcdfghjklmnpqrstvwxz2456789"  # what Kubernetes uses for name suffixes

NAMESPACES = [
    "accounts", "ad-serving", "analytics", "api-gateway", "auth", "billing", "cart", "catalog",
    "cert-manager", "checkout", "ci-runners", "data-ingest", "data-platform", "default", "email",
    "feature-flags", "fraud-detection", "frontend", "identity", "ingress-nginx", "inventory",
    "kafka", "kube-system", "logging", "loyalty", "media", "ml-serving", "ml-training",
    "monitoring", "notifications", "orders", "partner-api", "payments", "pricing", "profiles",
    "recommendations", "redis", "reporting", "reviews", "search", "security-tools", "shipping",
    "sre-tools", "staging-web", "storefront", "support", "tax", "tracing", "vault", "warehouse",
]

APPS = [
    "api", "auth", "backend", "batch-export", "billing", "cache-warmer", "cart", "catalog",
    "checkout", "config-server", "consumer", "coupon", "currency", "dashboard", "dispatcher",
    "email-sender", "event-router", "exporter", "feed", "frontend", "gateway", "geo", "graphql",
    "image-resizer", "importer", "indexer", "ingest", "inventory", "invoice", "ledger",
    "notifier", "oauth", "orders", "payments", "pdf-render", "pricing", "profile", "projector",
    "queue-worker", "rate-limiter", "recommender", "reconciler", "report", "scheduler", "search",
    "session", "shipping", "sitemap", "stock", "sync", "tax-calc", "thumbnailer", "tracker",
    "uploader", "user", "web", "webhook", "worker",
]
REGISTRIES = ["registry.example.com/{ns}", "ghcr.io/acme-corp", "europe-docker.pkg.dev/acme-prod/services",
              "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "quay.io/acme"]
PUBLIC_IMAGES = ["nginx:1.27.2", "redis:7.2.5-alpine", "postgres:16.4", "python:3.12-slim",
                 "node:20.18-alpine", "eclipse-temurin:21-jre", "busybox:1.36.1", "haproxy:3.0.5",
                 "memcached:1.6.31", "rabbitmq:3.13-management", "grafana/grafana:11.2.2",
                 "bitnami/kafka:3.8.0", "envoyproxy/envoy:v1.31.2", "curlimages/curl:8.10.1"]
SIDECARS = [
    ("log-shipper", "cr.fluentbit.io/fluent/fluent-bit:3.1.9", 2020),
    ("envoy", "envoyproxy/envoy:v1.31.2", 9901),
    ("oauth2-proxy", "quay.io/oauth2-proxy/oauth2-proxy:v7.7.1", 4180),
    ("cloud-sql-proxy", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.13.0", 9801),
    ("metrics", "quay.io/prometheus/statsd-exporter:v0.27.1", 9102),
]
INITS = [
    ("wait-for-db", "busybox:1.36.1", ["sh", "-c", "until nc -z $(DB_HOST) 5432; do echo waiting for db; sleep 2; done"]),
    ("migrate", None, ["/app/migrate", "up"]),
    ("init-config", "busybox:1.36.1", ["sh", "-c", "cp /config-template/* /config/ && chmod 0644 /config/*"]),
]


# ---------------------------------------------------------------- YAML emitter
# Quote every string that a YAML 1.1 or 1.2 reader could take for something
# other than a string, or that plain style cannot carry.
_YAML_SPECIAL = re.compile(r"""
    ^(?:y|yes|n|no|true|false|on|off|null|~|<<|=)$                      # bool/null/merge/value (any case)
  | ^[-+]?(?:0b[0-1_]+|0o?[0-7_]+|0x[0-9a-f_]+|[0-9][0-9_]*)$         # ints (1.1 and 1.2)
  | ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$                 # sexagesimal (1.1)
  | ^[-+]?(?:[0-9][0-9_]*)?\.?[0-9_]*(?:e[-+]?[0-9]+)?$                # floats
  | ^[-+]?\.(?:inf|nan)$
  | ^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}                                    # timestamps
""", re.X | re.I)
_PLAIN_BAD_START = set("-?:,[]{}#&*!|>'\"%@` ")


def _yaml_needs_quotes(s):
    return (s == "" or s[0] in _PLAIN_BAD_START or s[-1] in " :" or ": " in s or " #" in s
            or any(c < " " or c > "~" for c in s) or bool(_YAML_SPECIAL.match(s)))


def _yaml_dq(s):
    out = []
    for c in s:
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c < " " or c == "\x7f":
            out.append("\\x%02x" % ord(c))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


class YamlEmitter:
    """Block-style YAML as kubectl prints it: sorted keys, 2-space indents,
    sequences not indented under their key, double quotes where needed.
    `sample` maps placeholder names to a typical value, so that the quoting
    decision for a string with a placeholder holds for every real value."""

    _ph = re.compile(r"@@([A-Z0-9_]+)@@")

    def __init__(self, sample):
        self.sample = sample

    def scalar(self, v):
        if v is None:
            return "null"
        if v is True:
            return "true"
        if v is False:
            return "false"
        if isinstance(v, (int, float)):
            return repr(v)
        probe = self._ph.sub(lambda m: self.sample[m.group(1)], v)
        return _yaml_dq(v) if _yaml_needs_quotes(probe) else v

    def emit(self, obj, indent=0, out=None):
        out = [] if out is None else out
        pad = " " * indent
        if isinstance(obj, dict):
            for k in sorted(obj):
                v = obj[k]
                key = pad + self.scalar(k) + ":"
                if isinstance(v, dict) and v:
                    out.append(key + "\n")
                    self.emit(v, indent + 2, out)
                elif isinstance(v, list) and v:
                    out.append(key + "\n")
                    self.emit(v, indent, out)
                else:
                    out.append(key + " " + self.inline(v) + "\n")
        else:  # list
            for item in obj:
                if isinstance(item, dict) and item:
                    sub = self.emit(item, indent + 2, [])
                    sub[0] = pad + "- " + sub[0][indent + 2:]
                    out.extend(sub)
                elif isinstance(item, list) and item:
                    sub = self.emit(item, indent + 2, [])
                    sub[0] = pad + "- " + sub[0][indent + 2:]
                    out.extend(sub)
                else:
                    out.append(pad + "- " + self.inline(item) + "\n")
        return out

    def inline(self, v):
        if isinstance(v, dict):
            return "{}"
        if isinstance(v, list):
            return "[]"
        return self.scalar(v)


# ---------------------------------------------------------------- small helpers
def env_val(name, value):
    return {"name": name, "value": value}


def env_field(name, path):
    return {"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": path}}}


def env_secret(name, secret, key):
    return {"name": name, "valueFrom": {"secretKeyRef": {"key": key, "name": secret}}}


def env_cm(name, cm, key):
    return {"name": name, "valueFrom": {"configMapKeyRef": {"key": key, "name": cm}}}


def probe(kind, port, path="/healthz", initial=None, period=10, timeout=1, failure=3):
    d = {"failureThreshold": failure, "periodSeconds": period, "successThreshold": 1, "timeoutSeconds": timeout}
    if initial:
        d["initialDelaySeconds"] = initial
    if kind == "http":
        d["httpGet"] = {"path": path, "port": port, "scheme": "HTTP"}
    elif kind == "tcp":
        d["tcpSocket"] = {"port": port}
    else:
        d["grpc"] = {"port": port, "service": ""}
    return d


def api_access_volume():
    return {"name": "kube-api-access-@@KAA@@", "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
        {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                    "path": "namespace"}]}}]}}


DEFAULT_TOLERATIONS = [
    {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
    {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300},
]


def ds_tolerations(host_network):
    t = [{"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists"},
         {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists"},
         {"effect": "NoSchedule", "key": "node.kubernetes.io/disk-pressure", "operator": "Exists"},
         {"effect": "NoSchedule", "key": "node.kubernetes.io/memory-pressure", "operator": "Exists"},
         {"effect": "NoSchedule", "key": "node.kubernetes.io/pid-pressure", "operator": "Exists"},
         {"effect": "NoSchedule", "key": "node.kubernetes.io/unschedulable", "operator": "Exists"}]
    if host_network:
        t.append({"effect": "NoSchedule", "key": "node.kubernetes.io/network-unavailable", "operator": "Exists"})
    return t


def resources(rng):
    r = rng.random()
    if r < 0.12:
        return {}
    cpu = rng.choice(["50m", "100m", "100m", "200m", "250m", "500m", "1"])
    mem = rng.choice(["64Mi", "128Mi", "128Mi", "256Mi", "512Mi", "1Gi", "2Gi"])
    if r < 0.35:
        return {"requests": {"cpu": cpu, "memory": mem}}
    if r < 0.5:  # Guaranteed: limits only, requests defaulted from them
        return {"limits": {"cpu": cpu, "memory": mem}, "requests": {"cpu": cpu, "memory": mem}}
    lim = {"cpu": "1" if cpu != "1" else "2", "memory": {"64Mi": "128Mi", "128Mi": "256Mi", "256Mi": "512Mi",
                                                          "512Mi": "1Gi", "1Gi": "2Gi", "2Gi": "4Gi"}[mem]}
    if rng.random() < 0.5:
        del lim["cpu"]
    return {"limits": lim, "requests": {"cpu": cpu, "memory": mem}}


def qos(containers):
    has, guaranteed = False, True
    for c in containers:
        req, lim = c["resources"].get("requests", {}), c["resources"].get("limits", {})
        has = has or bool(req or lim)
        for k in ("cpu", "memory"):
            if k not in lim or req.get(k) != lim.get(k):
                guaranteed = False
    return "BestEffort" if not has else ("Guaranteed" if guaranteed else "Burstable")


def container(rng, name, image, idx, *, main, port_no=None):
    c = {"name": name, "image": image, "imagePullPolicy": "Always" if rng.random() < 0.15 else "IfNotPresent",
         "resources": resources(rng), "terminationMessagePath": "/dev/termination-log",
         "terminationMessagePolicy": "FallbackToLogsOnError" if rng.random() < 0.1 else "File",
         "volumeMounts": []}
    if main:
        envs = []
        for _ in range(rng.choice([0, 0, 1, 2, 2, 3, 4, 6])):
            k = rng.random()
            n = len(envs)
            if k < 0.45:
                envs.append(env_val(rng.choice(["LOG_LEVEL", "PORT", "APP_ENV", "JAVA_OPTS", "GOMAXPROCS",
                                                "OTEL_SERVICE_NAME", "NODE_ENV", "WORKERS"]) + ("_%d" % n if n else ""),
                                    rng.choice(["info", "8080", "production", "-XX:MaxRAMPercentage=75",
                                                "2", "@@APP@@", "4", "true", "debug"])))
            elif k < 0.7:
                envs.append(env_field(rng.choice(["POD_NAME", "POD_NAMESPACE", "POD_IP", "NODE_NAME"]) + ("_%d" % n if n else ""),
                                      rng.choice(["metadata.name", "metadata.namespace", "status.podIP", "spec.nodeName"])))
            elif k < 0.9:
                envs.append(env_secret(rng.choice(["DB_PASSWORD", "API_KEY", "REDIS_PASSWORD"]) + ("_%d" % n if n else ""),
                                       "@@APP@@-secrets", rng.choice(["password", "api-key", "token"])))
            else:
                envs.append(env_cm(rng.choice(["FEATURE_FLAGS", "UPSTREAM_URL"]) + ("_%d" % n if n else ""),
                                   "@@APP@@-config", rng.choice(["flags", "upstream"])))
        if envs:
            c["env"] = envs
        if rng.random() < 0.1:
            c["envFrom"] = [{"configMapRef": {"name": "@@APP@@-env"}}]
        if rng.random() < 0.3:
            c["args"] = rng.choice([["--config=/etc/app/config.yaml"], ["serve", "--port=8080"],
                                    ["--log-format=json", "--metrics-addr=:9090"], ["run"]])
    if port_no:
        ports = [{"containerPort": port_no, "name": "http" if main else "metrics", "protocol": "TCP"}]
        if main and rng.random() < 0.3:
            ports.append({"containerPort": 9090, "name": "metrics", "protocol": "TCP"})
        c["ports"] = ports
        r = rng.random()
        if main and r < 0.75:
            kind = "http" if r < 0.5 else ("tcp" if r < 0.65 else "grpc")
            c["readinessProbe"] = probe(kind, port_no, initial=rng.choice([None, 5, 10]))
            if rng.random() < 0.8:
                c["livenessProbe"] = probe(kind, port_no, initial=rng.choice([None, 10, 15, 30]),
                                           period=rng.choice([10, 20]), timeout=rng.choice([1, 3, 5]))
    return c


# ---------------------------------------------------------------- security profiles
BASELINE_CAPS_OK = ["CHOWN", "SETUID", "SETGID", "DAC_OVERRIDE", "KILL", "FOWNER"]
BAD_CAPS = ["NET_ADMIN", "SYS_ADMIN", "NET_RAW", "SYS_PTRACE", "SYS_RESOURCE", "IPC_LOCK", "SYS_TIME"]
HOST_PATHS = [("varlog", "/var/log", ""), ("containers", "/var/lib/docker/containers", ""),
              ("docker-sock", "/var/run/docker.sock", "Socket"), ("containerd-sock", "/run/containerd/containerd.sock", "Socket"),
              ("proc", "/proc", ""), ("sys", "/sys", ""), ("host-root", "/", ""), ("machine-id", "/etc/machine-id", "File"),
              ("data", "/mnt/data", "DirectoryOrCreate")]


def make_restricted(rng, spec, conts):
    psc = {"runAsNonRoot": True}
    if rng.random() < 0.7:
        u = rng.choice([1000, 1001, 10001, 65532, 101, 999])
        psc["runAsUser"] = u
        if rng.random() < 0.7:
            psc["runAsGroup"] = u
        if rng.random() < 0.5:
            psc["fsGroup"] = u
    pod_seccomp = rng.random() < 0.75
    if pod_seccomp:
        psc["seccompProfile"] = {"type": "RuntimeDefault"}
    spec["securityContext"] = psc
    for c in conts:
        sc = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
        if rng.random() < 0.1:
            sc["capabilities"]["add"] = ["NET_BIND_SERVICE"]
        if rng.random() < 0.6:
            sc["readOnlyRootFilesystem"] = True
        if not pod_seccomp:
            sc["seccompProfile"] = {"type": "RuntimeDefault"}
        if rng.random() < 0.15:
            sc["privileged"] = False
        c["securityContext"] = sc


def break_restricted(rng, spec, conts, meta):
    """Apply 1-3 violations of restricted that baseline still allows."""
    if rng.random() < 0.45:  # the common case: no securityContext at all
        spec["securityContext"] = {}
        for c in conts:
            c.pop("securityContext", None)
        return
    for kind in rng.sample(["seccomp", "ape", "caps", "nonroot", "root", "volume"], rng.choice([1, 1, 2, 3])):
        psc = spec["securityContext"]
        if kind == "seccomp":
            psc.pop("seccompProfile", None)
            for c in conts:
                c.get("securityContext", {}).pop("seccompProfile", None)
        elif kind == "ape":
            c = rng.choice(conts)
            if rng.random() < 0.5:
                c["securityContext"]["allowPrivilegeEscalation"] = True
            else:
                c["securityContext"].pop("allowPrivilegeEscalation", None)
        elif kind == "caps":
            c = rng.choice(conts)
            if rng.random() < 0.5:
                c["securityContext"].pop("capabilities", None)
            else:
                c["securityContext"]["capabilities"] = {"add": rng.sample(BASELINE_CAPS_OK, rng.choice([1, 2])),
                                                        "drop": ["ALL"]}
        elif kind == "nonroot":
            psc.pop("runAsNonRoot", None)
            if rng.random() < 0.3:
                psc["runAsNonRoot"] = False
        elif kind == "root":
            psc.pop("runAsNonRoot", None)
            psc["runAsUser"] = 0
        elif kind == "volume":
            spec.setdefault("volumes", []).append(
                {"name": "shared", "nfs": {"path": "/exports/@@NS@@", "server": "nfs.storage.internal"}})
            conts[0]["volumeMounts"].append({"mountPath": "/shared", "name": "shared"})


def break_baseline(rng, spec, conts, meta, kind_name):
    """Apply 1-2 violations of baseline (these pods fail restricted too)."""
    if rng.random() < 0.5:
        spec["securityContext"] = {}
        for c in conts:
            c.pop("securityContext", None)
    picks = rng.choices(["hostPath", "privileged", "hostNetwork", "caps", "hostPID", "hostPort", "seccomp",
                         "apparmor", "selinux", "sysctl", "procMount", "hostIPC"],
                        weights=[25, 20, 15, 15, 5, 5, 5, 3, 3, 2, 1, 1], k=rng.choice([1, 1, 2]))
    main = conts[0]
    for p in picks:
        sc = main.setdefault("securityContext", {})
        if p == "hostPath":
            for name, path, typ in rng.sample(HOST_PATHS, rng.choice([1, 1, 2])):
                if any(v["name"] == name for v in spec.get("volumes", [])):
                    continue
                spec.setdefault("volumes", []).append({"hostPath": {"path": path, "type": typ}, "name": name})
                main["volumeMounts"].append({"mountPath": "/host" + path if path != "/" else "/host",
                                             "name": name, "readOnly": True})
        elif p == "privileged":
            sc["privileged"] = True
        elif p == "hostNetwork":
            spec["hostNetwork"] = True
            if rng.random() < 0.6:
                spec["dnsPolicy"] = "ClusterFirstWithHostNet"
        elif p == "caps":
            sc["capabilities"] = {"add": rng.sample(BAD_CAPS, rng.choice([1, 2]))}
        elif p == "hostPID":
            spec["hostPID"] = True
        elif p == "hostIPC":
            spec["hostIPC"] = True
        elif p == "hostPort":
            ports = main.setdefault("ports", [{"containerPort": 8080, "name": "http", "protocol": "TCP"}])
            ports[0]["hostPort"] = ports[0]["containerPort"]
        elif p == "seccomp":
            sc["seccompProfile"] = {"type": "Unconfined"}
        elif p == "apparmor":
            if rng.random() < 0.5:
                meta.setdefault("annotations", {})["container.apparmor.security.beta.kubernetes.io/" + main["name"]] = "unconfined"
            sc["appArmorProfile"] = {"type": "Unconfined"}
        elif p == "selinux":
            sc["seLinuxOptions"] = {"level": "s0", "type": "spc_t"}
        elif p == "sysctl":
            spec.setdefault("securityContext", {})["sysctls"] = [
                {"name": "net.core.somaxconn", "value": "4096"},
                {"name": "net.ipv4.tcp_keepalive_time", "value": "600"}][: rng.choice([1, 2])]
        elif p == "procMount":
            sc["procMount"] = "Unmasked"
            spec["hostUsers"] = False
        if not sc:
            del main["securityContext"]
    if spec.get("hostNetwork"):
        for c in conts:
            for prt in c.get("ports", []):
                prt.setdefault("hostPort", prt["containerPort"])


# ---------------------------------------------------------------- shapes
def make_shape(rng, kind, cls):
    """One Pod with placeholders. kind: Deployment, StatefulSet, DaemonSet, Job, Pod."""
    meta = {"creationTimestamp": "@@T0@@", "name": "@@POD@@", "namespace": "@@NS@@",
            "resourceVersion": "@@RV@@", "uid": "@@UID@@"}
    labels = {rng.choice(["app", "app.kubernetes.io/name"]): "@@APP@@"}
    if rng.random() < 0.4:
        labels["app.kubernetes.io/part-of"] = "@@NS@@"
    if rng.random() < 0.3:
        labels["app.kubernetes.io/version"] = "@@VER@@"
    if rng.random() < 0.2:
        labels["team"] = rng.choice(["platform", "checkout", "data", "growth", "core"])
    ann = {}
    if rng.random() < 0.25:
        ann["prometheus.io/scrape"] = "true"
        ann["prometheus.io/port"] = rng.choice(["8080", "9090"])
    if rng.random() < 0.15:
        ann["kubectl.kubernetes.io/restartedAt"] = "@@TRESTART@@"
    if rng.random() < 0.1:
        ann["checksum/config"] = "@@CHECKSUM@@"
    spec = {"dnsPolicy": "ClusterFirst", "enableServiceLinks": True, "nodeName": "@@NODE@@",
            "preemptionPolicy": "PreemptLowerPriority", "priority": 0, "restartPolicy": "Always",
            "schedulerName": "default-scheduler", "securityContext": {}, "terminationGracePeriodSeconds": 30}

    if kind == "Deployment":
        meta["generateName"] = "@@OWNER@@-"
        labels["pod-template-hash"] = "@@HASH@@"
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True,
                                    "kind": "ReplicaSet", "name": "@@OWNER@@", "uid": "@@OUID@@"}]
    elif kind == "StatefulSet":
        meta["generateName"] = "@@OWNER@@-"
        labels.update({"apps.kubernetes.io/pod-index": "@@ORD@@", "controller-revision-hash": "@@OWNER@@-@@HASH@@",
                       "statefulset.kubernetes.io/pod-name": "@@POD@@"})
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True,
                                    "kind": "StatefulSet", "name": "@@OWNER@@", "uid": "@@OUID@@"}]
        spec["hostname"] = "@@POD@@"
        spec["subdomain"] = "@@OWNER@@-headless"
    elif kind == "DaemonSet":
        meta["generateName"] = "@@OWNER@@-"
        labels.update({"controller-revision-hash": "@@HASH@@", "pod-template-generation": rng.choice(["1", "1", "2", "4"])})
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True,
                                    "kind": "DaemonSet", "name": "@@OWNER@@", "uid": "@@OUID@@"}]
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["@@NODE@@"]}]}]}}}
    elif kind == "Job":
        meta["generateName"] = "@@OWNER@@-"
        labels.update({"batch.kubernetes.io/controller-uid": "@@OUID@@", "batch.kubernetes.io/job-name": "@@OWNER@@",
                       "controller-uid": "@@OUID@@", "job-name": "@@OWNER@@"})
        meta["ownerReferences"] = [{"apiVersion": "batch/v1", "blockOwnerDeletion": True, "controller": True,
                                    "kind": "Job", "name": "@@OWNER@@", "uid": "@@OUID@@"}]
        spec["restartPolicy"] = rng.choice(["Never", "OnFailure"])
    meta["labels"] = labels
    if ann:
        meta["annotations"] = ann

    # containers
    n = rng.choices([1, 2, 3], weights=[74, 20, 6])[0]
    port_no = None if kind == "Job" else rng.choice([8080, 8080, 8000, 3000, 5000, 9000, 80, 50051])
    main_name = "@@APP@@" if n == 1 else rng.choice(["app", "server", "main", "api", "worker"])
    conts = [container(rng, main_name, "@@IMG@@", 0, main=True, port_no=port_no)]
    for name, image, p in rng.sample(SIDECARS, n - 1):
        conts.append(container(rng, name, image, len(conts), main=False, port_no=p))
    inits = []
    if rng.random() < 0.15:
        name, image, cmd = rng.choice(INITS)
        ic = container(rng, name, image or "@@IMG@@", 0, main=False)
        ic["command"] = cmd
        inits.append(ic)

    volumes = []
    if rng.random() < 0.35:
        volumes.append({"configMap": {"defaultMode": 420, "name": "@@APP@@-config"}, "name": "config"})
        conts[0]["volumeMounts"].append({"mountPath": "/etc/app", "name": "config", "readOnly": True})
    if rng.random() < 0.2:
        volumes.append({"name": "tls", "secret": {"defaultMode": 420, "secretName": "@@APP@@-tls"}})
        conts[0]["volumeMounts"].append({"mountPath": "/etc/tls", "name": "tls", "readOnly": True})
    if rng.random() < 0.3:
        volumes.append({"emptyDir": {}, "name": "tmp"})
        conts[0]["volumeMounts"].append({"mountPath": "/tmp", "name": "tmp"})
    if kind == "StatefulSet":
        volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": "data-@@POD@@"}})
        conts[0]["volumeMounts"].append({"mountPath": "/var/lib/data", "name": "data"})
    if inits and inits[0]["name"] == "init-config":
        volumes.append({"emptyDir": {}, "name": "rendered-config"})
        inits[0]["volumeMounts"].append({"mountPath": "/config", "name": "rendered-config"})
    spec["volumes"] = volumes

    allc = inits + conts
    if cls == "restricted":
        make_restricted(rng, spec, allc)
    elif cls == "baseline":
        make_restricted(rng, spec, allc)
        break_restricted(rng, spec, allc, meta)
    else:
        make_restricted(rng, spec, allc) if rng.random() < 0.3 else None
        break_baseline(rng, spec, allc, meta, kind)

    sa = "default" if rng.random() < 0.35 else "@@APP@@"
    automount = rng.random() < 0.8
    if not automount:
        spec["automountServiceAccountToken"] = False
    else:
        spec["volumes"].append(api_access_volume())
        for c in allc:
            c["volumeMounts"].append({"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                                      "name": "kube-api-access-@@KAA@@", "readOnly": True})
    for c in allc:
        if not c["volumeMounts"]:
            del c["volumeMounts"]
    if not spec["volumes"]:
        del spec["volumes"]
    spec["serviceAccount"] = sa
    spec["serviceAccountName"] = sa
    spec["containers"] = conts
    if inits:
        spec["initContainers"] = inits
    spec["tolerations"] = ds_tolerations(spec.get("hostNetwork", False)) if kind == "DaemonSet" else DEFAULT_TOLERATIONS
    if rng.random() < 0.15:
        spec["nodeSelector"] = {"kubernetes.io/os": "linux"}
    if rng.random() < 0.1:
        spec["priorityClassName"] = "high-priority"
        spec["priority"] = 1000000
    if kind == "DaemonSet" and rng.random() < 0.5:
        spec["priorityClassName"] = "system-node-critical"
        spec["priority"] = 2000001000

    host_net = spec.get("hostNetwork", False)
    phase = "Running"
    if kind == "Job" and rng.random() < 0.5:
        phase = "Succeeded"
    restarts = rng.random() < 0.1 and phase == "Running"
    status = {"hostIP": "@@HOSTIP@@", "hostIPs": [{"ip": "@@HOSTIP@@"}], "phase": phase,
              "podIP": "@@HOSTIP@@" if host_net else "@@PODIP@@",
              "podIPs": [{"ip": "@@HOSTIP@@" if host_net else "@@PODIP@@"}],
              "qosClass": qos(allc), "startTime": "@@T1@@"}
    if phase == "Running":
        status["conditions"] = [
            {"lastProbeTime": None, "lastTransitionTime": "@@T2@@", "status": "True", "type": "PodReadyToStartContainers"},
            {"lastProbeTime": None, "lastTransitionTime": "@@T3@@" if inits else "@@T1@@", "status": "True", "type": "Initialized"},
            {"lastProbeTime": None, "lastTransitionTime": "@@T8@@" if restarts else "@@T5@@", "status": "True", "type": "Ready"},
            {"lastProbeTime": None, "lastTransitionTime": "@@T8@@" if restarts else "@@T5@@", "status": "True", "type": "ContainersReady"},
            {"lastProbeTime": None, "lastTransitionTime": "@@T0@@", "status": "True", "type": "PodScheduled"}]
    else:
        status["conditions"] = [
            {"lastProbeTime": None, "lastTransitionTime": "@@T5@@", "status": "False", "type": "PodReadyToStartContainers"},
            {"lastProbeTime": None, "lastTransitionTime": "@@T1@@", "reason": "PodCompleted", "status": "True", "type": "Initialized"},
            {"lastProbeTime": None, "lastTransitionTime": "@@T5@@", "reason": "PodCompleted", "status": "False", "type": "Ready"},
            {"lastProbeTime": None, "lastTransitionTime": "@@T5@@", "reason": "PodCompleted", "status": "False", "type": "ContainersReady"},
            {"lastProbeTime": None, "lastTransitionTime": "@@T0@@", "status": "True", "type": "PodScheduled"}]
    cstats = []
    for i, c in enumerate(conts):
        img = c["image"]
        repo = img.rsplit(":", 1)[0] if img != "@@IMG@@" else "@@IMGREPO@@"
        s = {"containerID": "containerd://@@CID%d@@" % i, "image": img if img != "@@IMG@@" else "@@IMG@@",
             "imageID": "%s@sha256:@@DIGEST%d@@" % (repo, i), "lastState": {}, "name": c["name"],
             "ready": True, "restartCount": 0, "started": True, "state": {"running": {"startedAt": "@@T4@@"}}}
        if phase == "Succeeded":
            s.update(ready=False, started=False, state={"terminated": {
                "containerID": "containerd://@@CID%d@@" % i, "exitCode": 0, "finishedAt": "@@T5@@",
                "reason": "Completed", "startedAt": "@@T4@@"}})
        elif restarts and i == 0:
            s["restartCount"] = rng.choice([1, 1, 2, 3, 7])
            s["lastState"] = {"terminated": {"containerID": "containerd://@@CID9@@",
                                             "exitCode": rng.choice([137, 1, 2, 143]), "finishedAt": "@@T7@@",
                                             "reason": "OOMKilled" if rng.random() < 0.5 else "Error",
                                             "startedAt": "@@T4@@"}}
            s["state"] = {"running": {"startedAt": "@@T6@@"}}
        cstats.append(s)
    # the kubelet sorts container statuses by name; a placeholder name sorts as the app name would
    status["containerStatuses"] = cstats if len(cstats) == 1 else sorted(cstats, key=lambda s: s["name"])
    if inits:
        status["initContainerStatuses"] = [{
            "containerID": "containerd://@@CID8@@", "image": inits[0]["image"],
            "imageID": "%s@sha256:@@DIGEST8@@" % (inits[0]["image"].rsplit(":", 1)[0] if inits[0]["image"] != "@@IMG@@" else "@@IMGREPO@@"),
            "lastState": {}, "name": inits[0]["name"], "ready": True, "restartCount": 0, "started": False,
            "state": {"terminated": {"containerID": "containerd://@@CID8@@", "exitCode": 0, "finishedAt": "@@T3@@",
                                     "reason": "Completed", "startedAt": "@@T2@@"}}}]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}
    return pod, host_net


SAMPLE = {"T0": "2024-11-20T09:03:17Z", "RV": "48211937", "ORD": "0", "NS": "payments", "POD": "api-7d9c8b6f5d-x2kqp",
          "UID": "1a2b3c4d-1234-4abc-8def-0123456789ab", "NODE": "ip-10-0-12-34.eu-west-1.compute.internal",
          "HOSTIP": "10.0.12.34", "PODIP": "100.64.3.17", "IMG": "ghcr.io/acme-corp/api:v1.4.2",
          "IMGREPO": "ghcr.io/acme-corp/api", "APP": "api", "OWNER": "api-7d9c8b6f5d", "HASH": "7d9c8b6f5d",
          "OUID": "1a2b3c4d-1234-4abc-8def-0123456789ab", "KAA": "x2kqp", "VER": "v1.4.2",
          "CHECKSUM": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}
for _i in range(10):
    SAMPLE["CID%d" % _i] = SAMPLE["CHECKSUM"]
    SAMPLE["DIGEST%d" % _i] = SAMPLE["CHECKSUM"]
for _t in ("T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "TRESTART"):
    SAMPLE[_t] = SAMPLE["T0"]
_PH = re.compile(r"@@([A-Z0-9_]+)@@")


def to_format(text):
    """Template text -> %-format string."""
    return _PH.sub(lambda m: "%(" + m.group(1) + ")s", text.replace("%", "%%"))


def render_json(pod):
    text = json.dumps(pod, indent=4, sort_keys=True)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return to_format("\n".join("        " + line for line in text.split("\n")))


def render_yaml(pod, emitter):
    lines = emitter.emit(pod)
    return to_format("".join(["- " + lines[0]] + ["  " + l for l in lines[1:]]))


# ---------------------------------------------------------------- generation
def sfx(rng, n=5):
    return "".join([ALPHA[rng.getrandbits(5) % 27] for _ in range(n)])


def new_uid(rng):
    h = "%032x" % rng.getrandbits(128)
    return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], "89ab"[int(h[16], 16) & 3], h[17:20], h[20:])


_TS_CACHE = {}


def ts(sec):
    day, rem = divmod(sec, 86400)
    d = _TS_CACHE.get(day)
    if d is None:
        d = _TS_CACHE[day] = time.strftime("%Y-%m-%dT", time.gmtime(day * 86400))
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    return "%s%02d:%02d:%02dZ" % (d, h, m, s)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Write a `kubectl get pods -A -o json|yaml` style List of N realistic Pods "
                    "(about 35% restricted, 40% baseline only, 25% failing baseline), for benchmarks.")
    ap.add_argument("--pods", type=int, required=True, metavar="N", help="number of Pods to generate")
    ap.add_argument("--format", choices=("json", "yaml"), default="json", help="output format (default: json)")
    ap.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default: 1); same seed, same output")
    ap.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    a = ap.parse_args(argv)
    if a.pods < 0:
        ap.error("--pods must be >= 0")

    t_start = time.time()
    rng = random.Random(a.seed)
    shape_rng = random.Random(a.seed * 7919 + 17)
    kinds = ["Deployment", "StatefulSet", "DaemonSet", "Job", "Pod"]
    kind_w = [62, 10, 10, 12, 6]
    classes = [c for c, _ in TARGET_MIX]
    class_w = [w for _, w in TARGET_MIX]
    shapes_per = 64
    cache = {}
    emitter = YamlEmitter(SAMPLE)

    def shape(kind, cls):
        key = (kind, cls, rng.randrange(shapes_per))
        s = cache.get(key)
        if s is None:
            pod, host_net = make_shape(shape_rng, kind, cls)
            s = cache[key] = (render_json(pod) if a.format == "json" else render_yaml(pod, emitter), host_net)
        return s

    nodes = []
    for i in range(120):
        ip = "10.0.%d.%d" % (rng.randrange(0, 64), rng.randrange(2, 254))
        nodes.append(("ip-%s.eu-west-1.compute.internal" % ip.replace(".", "-"), ip, "100.64.%d." % i))

    # spread the Pods over the namespaces with uneven weights
    weights = [rng.lognormvariate(0, 1.0) for _ in NAMESPACES]
    total = sum(weights)
    counts = [int(a.pods * w / total) for w in weights]
    for i in sorted(range(len(NAMESPACES)), key=lambda i: -weights[i])[: a.pods - sum(counts)]:
        counts[i] += 1

    out = open(a.output, "w", encoding="ascii", newline="\n", buffering=1 << 20) if a.output else sys.stdout
    written = 0
    buf = []
    buflen = 0

    def put(s):
        nonlocal written, buflen
        buf.append(s)
        buflen += len(s)
        if buflen > 1 << 20:
            out.write("".join(buf))
            written += buflen
            buf.clear()
            buflen = 0

    if a.format == "json":
        put('{\n    "apiVersion": "v1",\n    "items": [' + ("\n" if a.pods else ""))
        sep = ",\n"
    else:
        put("apiVersion: v1\nitems:" + ("\n" if a.pods else " []\n"))
        sep = ""
    mix = {c: 0 for c in classes}
    first = True
    for ns, count in zip(NAMESPACES, counts):
        # plan this namespace's workloads and Pod names, then emit sorted by name
        pods = []
        used = set()
        left = count
        while left > 0:
            kind = rng.choices(kinds, kind_w)[0]
            cls = rng.choices(classes, class_w)[0]
            app = rng.choice(APPS)
            while app in used:
                app = rng.choice(APPS) + "-" + rng.choice(["api", "worker", "v2", "sync", "cron", "internal", sfx(rng, 3)])
            used.add(app)
            if kind == "Deployment":
                reps = rng.choices([1, 2, 3, 4, 6, 10], [30, 30, 20, 10, 6, 4])[0]
            elif kind == "StatefulSet":
                reps = rng.choice([1, 3, 3, 5])
            elif kind == "DaemonSet":
                reps = rng.choice([3, 6, 12])
            else:
                reps = 1
            reps = min(reps, left)
            left -= reps
            tmpl, host_net = shape(kind, cls)
            mix[cls] += reps
            hsh = sfx(rng, rng.choice([9, 10]))
            if kind == "Job":
                if rng.random() < 0.7:
                    owner = "%s-%d" % (app, (NOW - rng.randrange(0, 86400 * 3)) // 3600 * 60)
                else:
                    owner = "%s-%s" % (app, sfx(rng))
            elif kind == "Deployment":
                owner = "%s-%s" % (app, hsh)
            else:
                owner = app
            reg = rng.choice(REGISTRIES).format(ns=ns)
            ver = "v%d.%d.%d" % (rng.randrange(0, 4), rng.randrange(0, 30), rng.randrange(0, 12))
            if rng.random() < 0.2:
                image = rng.choice(PUBLIC_IMAGES)
                repo = image.rsplit(":", 1)[0]
            else:
                repo = "%s/%s" % (reg, app)
                image = "%s:%s" % (repo, ver)
            wl = {"NS": ns, "APP": app, "OWNER": owner, "HASH": hsh, "OUID": new_uid(rng), "IMG": image,
                  "IMGREPO": repo, "VER": ver, "CHECKSUM": "%064x" % rng.getrandbits(256)}
            for i in range(9):
                wl["DIGEST%d" % i] = "%064x" % rng.getrandbits(256)
            born = NOW - int(rng.expovariate(1 / (86400 * 12))) - 60
            wl["TRESTART"] = ts(born - 1)
            node_start = rng.randrange(len(nodes))
            for r in range(reps):
                if kind == "StatefulSet":
                    name = "%s-%d" % (owner, r)
                elif kind == "Pod":
                    name = app
                else:
                    name = "%s-%s" % (owner, sfx(rng))
                pods.append((name, r, tmpl, host_net, wl, born + r * rng.randrange(0, 4), node_start + r))
        pods.sort(key=lambda p: p[0])
        for name, r, tmpl, host_net, wl, born, node_i in pods:
            node, host_ip, cidr = nodes[node_i % len(nodes)]
            v = dict(wl)
            t1 = born + rng.randrange(0, 3)
            t2 = t1 + rng.randrange(1, 4)
            t3 = t2 + rng.randrange(2, 9)
            t4 = t3 + rng.randrange(0, 3)
            t6 = t4 + rng.randrange(3600, 86400 * 3)
            if t6 > NOW:
                t6 = NOW - 30
            v.update(POD=name, ORD=str(r), UID=new_uid(rng), RV=str(rng.randrange(1000000, 99999999)),
                     NODE=node, HOSTIP=host_ip, PODIP=cidr + str(rng.randrange(2, 254)), KAA=sfx(rng),
                     T0=ts(born), T1=ts(t1), T2=ts(t2), T3=ts(t3), T4=ts(t4), T5=ts(t4 + rng.randrange(2, 30)),
                     T6=ts(t6), T7=ts(t6 - rng.randrange(1, 20)), T8=ts(t6 + rng.randrange(3, 20)))
            for i in range(10):
                v["CID%d" % i] = "%064x" % rng.getrandbits(256)
            if not first:
                put(sep)
            first = False
            put(tmpl % v)
    if a.format == "json":
        put(("\n    " if a.pods else "") + '],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n')
    else:
        put('kind: List\nmetadata:\n  resourceVersion: ""\n')
    out.write("".join(buf))
    written += buflen
    out.flush()
    if out is not sys.stdout:
        out.close()

    el = time.time() - t_start
    n = max(a.pods, 1)
    print("gen-pods: %d pods in %d namespaces, %s, %d bytes (%.1f MiB, %.0f bytes/pod), %d shapes, %.1fs"
          % (a.pods, sum(1 for c in counts if c), a.format, written, written / 1048576, written / n, len(cache), el),
          file=sys.stderr)
    print("gen-pods: aimed mix  " + ", ".join("%s %d%%" % (c, w * 100) for c, w in TARGET_MIX), file=sys.stderr)
    print("gen-pods: drawn mix  " + ", ".join("%s %.1f%%" % (c, 100.0 * mix[c] / n) for c in classes)
          + "  (restricted = passes restricted; baseline = passes baseline only; privileged = fails baseline)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
