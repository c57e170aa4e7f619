-- kensa vulnerability management, schema 1 (SQLite).
-- Timestamps are Unix seconds; severities 0 unknown .. 4 critical.
CREATE TABLE clusters (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE namespaces (
    id INTEGER PRIMARY KEY,
    cluster_id INTEGER NOT NULL REFERENCES clusters(id),
    name TEXT NOT NULL,
    UNIQUE (cluster_id, name)
);
CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    namespace_id INTEGER NOT NULL REFERENCES namespaces(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    last_seen BIGINT NOT NULL,
    UNIQUE (namespace_id, name)
);
CREATE TABLE images (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    os TEXT NOT NULL,
    platform TEXT NOT NULL,
    package_count BIGINT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_scanned BIGINT NOT NULL,
    critical BIGINT NOT NULL DEFAULT 0,
    high BIGINT NOT NULL DEFAULT 0,
    medium BIGINT NOT NULL DEFAULT 0,
    low BIGINT NOT NULL DEFAULT 0,
    unknown BIGINT NOT NULL DEFAULT 0,
    fixable BIGINT NOT NULL DEFAULT 0,
    fixable_critical BIGINT NOT NULL DEFAULT 0,
    fixable_high BIGINT NOT NULL DEFAULT 0,
    fixable_medium BIGINT NOT NULL DEFAULT 0,
    fixable_low BIGINT NOT NULL DEFAULT 0,
    fixable_unknown BIGINT NOT NULL DEFAULT 0,
    risk BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX images_risk ON images (risk);
CREATE TABLE application_images (
    application_id INTEGER NOT NULL REFERENCES applications(id),
    image_id INTEGER NOT NULL REFERENCES images(id),
    last_seen BIGINT NOT NULL,
    PRIMARY KEY (application_id, image_id)
);
CREATE INDEX application_images_image ON application_images (image_id);
CREATE TABLE packages (
    id INTEGER PRIMARY KEY,
    purl TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    type TEXT NOT NULL,
    licenses TEXT NOT NULL
);
CREATE TABLE image_packages (
    image_id INTEGER NOT NULL REFERENCES images(id),
    package_id INTEGER NOT NULL REFERENCES packages(id),
    PRIMARY KEY (image_id, package_id)
);
CREATE INDEX image_packages_package ON image_packages (package_id);
CREATE TABLE vulnerabilities (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    severity INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    refs TEXT NOT NULL,
    primary_url TEXT NOT NULL,
    aliases TEXT NOT NULL,
    cvss_score DOUBLE PRECISION,
    checksum TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    image_id INTEGER NOT NULL REFERENCES images(id),
    package_id INTEGER NOT NULL REFERENCES packages(id),
    vulnerability_id INTEGER NOT NULL REFERENCES vulnerabilities(id),
    installed_version TEXT NOT NULL,
    fixed_version TEXT NOT NULL,
    fix_state TEXT NOT NULL,
    severity INTEGER NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    resolved_at BIGINT,
    last_scan_id BIGINT NOT NULL,
    decision TEXT,
    UNIQUE (image_id, package_id, vulnerability_id)
);
-- The lists aggregate open findings by vulnerability and by package; this
-- covers both, so they read the index alone (by vulnerability in group
-- order). One wide index rather than two: every index is pages an ingest
-- writes at random places.
CREATE INDEX findings_by_vulnerability ON findings
    (resolved_at, decision, vulnerability_id, severity, fixed_version, image_id, package_id, first_seen, last_seen);
CREATE INDEX findings_by_severity ON findings (resolved_at, decision, severity);
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    finding_id INTEGER NOT NULL UNIQUE REFERENCES findings(id),
    kind TEXT NOT NULL,
    justification TEXT NOT NULL,
    expires_at BIGINT,
    created_at BIGINT NOT NULL,
    author TEXT NOT NULL
);
CREATE INDEX decisions_expiry ON decisions (expires_at);
CREATE TABLE scans (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    cluster TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    images_total BIGINT NOT NULL DEFAULT 0,
    images_done BIGINT NOT NULL DEFAULT 0,
    images_failed BIGINT NOT NULL DEFAULT 0,
    new_findings BIGINT NOT NULL DEFAULT 0,
    resolved_findings BIGINT NOT NULL DEFAULT 0,
    delta_critical BIGINT NOT NULL DEFAULT 0,
    delta_high BIGINT NOT NULL DEFAULT 0,
    delta_medium BIGINT NOT NULL DEFAULT 0,
    delta_low BIGINT NOT NULL DEFAULT 0,
    delta_unknown BIGINT NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT ''
);
CREATE TABLE scan_images (
    id INTEGER PRIMARY KEY,
    scan_id INTEGER NOT NULL REFERENCES scans(id),
    reference TEXT NOT NULL,
    image_id INTEGER REFERENCES images(id),
    status TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    duration_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX scan_images_scan ON scan_images (scan_id);
CREATE TABLE misconfigurations (
    id INTEGER PRIMARY KEY,
    cluster_id INTEGER NOT NULL REFERENCES clusters(id),
    namespace TEXT NOT NULL,
    resource TEXT NOT NULL,
    check_id TEXT NOT NULL,
    severity INTEGER NOT NULL,
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    source TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    resolved_at BIGINT,
    last_scan_id BIGINT NOT NULL,
    UNIQUE (cluster_id, namespace, resource, check_id, source)
);
