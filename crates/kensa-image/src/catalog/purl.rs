//! Package URLs (purl spec) and CPE 2.3 names for packages.
//!
//! OS packages carry the distribution: `pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12`
//! (the epoch, when there is one, is the `epoch` qualifier, as Trivy and
//! the purl spec's deb examples write it).

use super::os::{Family, Os};
use super::{Package, PackageType};

/// Percent-encodes everything but the purl spec's unreserved characters.
fn encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                out.push(byte as char)
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The distribution's purl namespace (`debian`, `alpine`, ...).
fn os_namespace(ptype: PackageType, os: Option<&Os>) -> String {
    match os.map(|os| &os.family) {
        Some(Family::Debian) => "debian".into(),
        Some(Family::Ubuntu) => "ubuntu".into(),
        Some(Family::Alpine) => "alpine".into(),
        Some(Family::Wolfi) => "wolfi".into(),
        Some(Family::Chainguard) => "chainguard".into(),
        Some(Family::Other(id)) => id.to_ascii_lowercase(),
        None => match ptype {
            PackageType::Deb => "debian".into(),
            PackageType::Apk => "alpine".into(),
            _ => "unknown".into(),
        },
    }
}

/// PEP 503 normalisation: lower case, runs of `-`, `_`, `.` become `-`.
pub fn pypi_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.push(c.to_ascii_lowercase());
            in_run = false;
        }
    }
    out
}

/// The package's purl.
pub fn of(package: &Package, os: Option<&Os>) -> String {
    let ptype = package.ptype;
    let mut qualifiers: Vec<(&str, String)> = Vec::new();
    let (namespace, name, version) = match ptype {
        PackageType::Deb | PackageType::Apk | PackageType::Rpm => {
            let (epoch, version) = match package.version.split_once(':') {
                Some((epoch, rest))
                    if ptype != PackageType::Apk && epoch.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    (Some(epoch), rest)
                }
                _ => (None, package.version.as_str()),
            };
            if let Some(arch) = &package.arch {
                qualifiers.push(("arch", arch.clone()));
            }
            if let Some(os) = os.filter(|os| !os.version.is_empty()) {
                let distro = match ptype {
                    PackageType::Apk => os.version.clone(),
                    _ => format!("{}-{}", os_namespace(ptype, Some(os)), os.version),
                };
                qualifiers.push(("distro", distro));
            }
            if let Some(epoch) = epoch {
                qualifiers.push(("epoch", epoch.to_owned()));
            }
            if package.source_name() != package.name {
                qualifiers.push(("upstream", package.source_name().to_owned()));
            }
            (
                encode(&os_namespace(ptype, os), false),
                encode(&package.name, false),
                version.to_owned(),
            )
        }
        PackageType::GoModule | PackageType::GoStdlib => match package.name.rsplit_once('/') {
            Some((namespace, name)) => (
                encode(namespace, true),
                encode(name, false),
                package.version.clone(),
            ),
            None => (
                String::new(),
                encode(&package.name, false),
                package.version.clone(),
            ),
        },
        PackageType::Python => (
            String::new(),
            encode(&pypi_name(&package.name), false),
            package.version.clone(),
        ),
        PackageType::Npm | PackageType::Java | PackageType::Cargo => (
            encode(&package.namespace, false),
            encode(&package.name, false),
            package.version.clone(),
        ),
    };
    qualifiers.sort();
    let mut purl = format!("pkg:{}/", ptype.purl_type());
    if !namespace.is_empty() {
        purl.push_str(&namespace);
        purl.push('/');
    }
    purl.push_str(&name);
    if !version.is_empty() {
        purl.push('@');
        purl.push_str(&encode(&version, false));
    }
    for (i, (key, value)) in qualifiers.iter().enumerate() {
        purl.push(if i == 0 { '?' } else { '&' });
        purl.push_str(key);
        purl.push('=');
        purl.push_str(&encode(value, false));
    }
    purl
}

/// Escapes a CPE 2.3 formatted-string component.
fn cpe_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii() && !c.is_ascii_whitespace() {
            out.push('\\');
            out.push(c);
        } else {
            out.push('_');
        }
    }
    out
}

/// A CPE 2.3 name with the package's name as vendor and product, the
/// candidate NVD most often uses for projects named after themselves.
pub fn cpe(package: &Package) -> String {
    let product = match package.ptype {
        PackageType::GoModule | PackageType::GoStdlib => {
            package.name.rsplit('/').next().unwrap_or(&package.name)
        }
        _ => &package.name,
    };
    let vendor = match package.ptype {
        PackageType::GoStdlib => "golang",
        PackageType::Java if !package.namespace.is_empty() => package
            .namespace
            .rsplit('.')
            .next()
            .unwrap_or(&package.namespace),
        _ => product,
    };
    format!(
        "cpe:2.3:a:{}:{}:{}:*:*:*:*:*:*:*",
        cpe_component(vendor),
        cpe_component(product),
        cpe_component(&package.version)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(ptype: PackageType, name: &str, version: &str) -> Package {
        Package {
            ptype,
            name: name.into(),
            version: version.into(),
            ..Package::default()
        }
    }

    #[test]
    fn debian_packages_carry_arch_distro_epoch_and_source() {
        let os = Os {
            family: Family::Debian,
            version: "12".into(),
            pretty_name: None,
        };
        let mut p = package(PackageType::Deb, "libssl3", "1:3.0.15-1~deb12u1");
        p.arch = Some("amd64".into());
        p.source = Some(("openssl".into(), None));
        assert_eq!(
            of(&p, Some(&os)),
            "pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=debian-12&epoch=1&upstream=openssl"
        );
    }

    #[test]
    fn plus_signs_and_scopes_are_encoded() {
        let p = package(PackageType::Apk, "libstdc++", "13.2.1_git20231014-r0");
        assert_eq!(
            of(&p, None),
            "pkg:apk/alpine/libstdc%2B%2B@13.2.1_git20231014-r0"
        );
        let mut npm = package(PackageType::Npm, "core", "7.24.0");
        npm.namespace = "@babel".into();
        assert_eq!(of(&npm, None), "pkg:npm/%40babel/core@7.24.0");
    }

    #[test]
    fn go_modules_keep_their_path_and_python_names_are_normalised() {
        let go = package(PackageType::GoModule, "github.com/spf13/cobra", "v1.8.0");
        assert_eq!(of(&go, None), "pkg:golang/github.com/spf13/cobra@v1.8.0");
        let py = package(PackageType::Python, "Jinja2", "3.1.4");
        assert_eq!(of(&py, None), "pkg:pypi/jinja2@3.1.4");
        assert_eq!(pypi_name("zope.interface__X"), "zope-interface-x");
    }

    #[test]
    fn cpes_escape_punctuation() {
        let p = package(PackageType::Deb, "libc6", "2.36-9+deb12u4");
        assert_eq!(
            cpe(&p),
            "cpe:2.3:a:libc6:libc6:2.36-9\\+deb12u4:*:*:*:*:*:*:*"
        );
    }
}
