//! `yum` keeps downloaded packages and metadata in its cache; left there,
//! they end up in the image layer and only add size.
//!
//! Fails for a `RUN` that installs with `yum` (install, groupinstall, localinstall, reinstall) and does not run
//! `yum clean all` after the last install in the same `RUN` (a later `RUN` cannot
//! shrink the earlier layer).

use kensa_report::Severity;

use super::{hit, install_without_clean};
use crate::check::{Check, DockerfileHit, Run};
use crate::dockerfile::Dockerfile;

/// The check.
pub static CHECK: Check = Check {
    id: "dockerfile-yum-clean",
    aliases: &["DS-0015", "DS015", "AVD-DS-0015"],
    title: "'yum clean all' missing",
    severity: Severity::High,
    description: "Package caches written during an install stay in the layer of that RUN. Cleaning them in the same instruction keeps the image smaller and free of stale package metadata.",
    remediation: "Finish the RUN that installs packages with '&& yum clean all', in the same instruction.",
    default_enabled: true,
    run: Run::Dockerfile(check),
};

const INSTALL: &[&str] = &["install", "groupinstall", "localinstall", "reinstall"];
const CLEAN: &[&str] = &["clean"];

fn check(df: &Dockerfile) -> Vec<DockerfileHit> {
    df.runs()
        .filter(|run| install_without_clean(run, "yum", INSTALL, CLEAN, true))
        .map(|run| {
            hit(
                run,
                "RUN installs packages with yum but does not run 'yum clean all' afterwards",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use super::CHECK;

    #[test]
    fn fails_without_clean_after_install() {
        let found = hits(
            &CHECK,
            "FROM centos:7\nRUN yum clean all && \\\n  yum -y install httpd\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].start_line, found[0].end_line), (2, 3));
        assert_eq!(
            hits(
                &CHECK,
                "FROM centos:7\nRUN yum install -y a && yum clean metadata\n"
            )
            .len(),
            1
        );
    }

    #[test]
    fn passes_with_clean_all() {
        assert!(
            hits(
                &CHECK,
                "FROM centos:7\nRUN yum -y install httpd && yum clean all\nRUN yum update\n"
            )
            .is_empty()
        );
    }
}
