//! CVSS base scores and the severity they map to.
//!
//! Scores come from the RustSec `cvss` crate (v3.0, v3.1 and v4.0
//! vectors); the mapping is the one NVD and every scanner use: 0.1–3.9
//! low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10 critical, 0 unknown.

use crate::model::{Cvss, Severity};
use std::str::FromStr;

/// The severity of a CVSS base score.
pub fn severity_of_score(score: f64) -> Severity {
    // Compared in tenths so that 3.95 from a sloppy source does not fall
    // between two bands.
    let tenths = (score * 10.0).round();
    if !(1.0..=100.0).contains(&tenths) {
        Severity::Unknown
    } else if tenths < 40.0 {
        Severity::Low
    } else if tenths < 70.0 {
        Severity::Medium
    } else if tenths < 90.0 {
        Severity::High
    } else {
        Severity::Critical
    }
}

/// The base score of a CVSS v3.x or v4.0 vector; `None` for v2 vectors
/// and anything malformed.
pub fn base_score(vector: &str) -> Option<f64> {
    let vector = vector.trim();
    if vector.starts_with("CVSS:3.") {
        // The parser accepts vectors with base metrics missing and scores
        // them as zero; such a score would understate, so none is given.
        let complete = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"]
            .iter()
            .all(|metric| {
                vector
                    .split('/')
                    .any(|part| part.split_once(':').is_some_and(|(key, _)| key == *metric))
            });
        if !complete {
            return None;
        }
        cvss::v3::Base::from_str(vector)
            .ok()
            .map(|base| base.score().value())
    } else if vector.starts_with("CVSS:4.") {
        cvss::v4::Vector::from_str(vector)
            .ok()
            .map(|v| v.score().value())
    } else {
        None
    }
}

/// A [`Cvss`] with its score computed.
pub fn cvss(kind: &str, vector: &str) -> Cvss {
    Cvss {
        kind: kind.to_owned(),
        vector: vector.to_owned(),
        score: base_score(vector),
    }
}

/// The highest severity among the scored vectors.
pub fn severity_of(cvss: &[Cvss]) -> Severity {
    cvss.iter()
        .filter_map(|c| c.score)
        .map(severity_of_score)
        .max()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_edges_map_like_nvd() {
        let cases = [
            (0.0, Severity::Unknown),
            (0.1, Severity::Low),
            (3.9, Severity::Low),
            (4.0, Severity::Medium),
            (6.9, Severity::Medium),
            (7.0, Severity::High),
            (8.9, Severity::High),
            (9.0, Severity::Critical),
            (10.0, Severity::Critical),
            (10.5, Severity::Unknown),
            (f64::NAN, Severity::Unknown),
        ];
        for (score, expected) in cases {
            assert_eq!(severity_of_score(score), expected, "{score}");
        }
    }

    #[test]
    fn v3_vectors_score_as_published() {
        // Scores as the FIRST calculator gives them.
        let cases = [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:L", 3.3),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ];
        for (vector, score) in cases {
            assert_eq!(base_score(vector), Some(score), "{vector}");
        }
        assert_eq!(
            severity_of(&[
                cvss("CVSS_V3", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:L"),
                cvss("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"),
            ]),
            Severity::Medium
        );
    }

    #[test]
    fn v4_vectors_score_as_published() {
        // The FIRST v4.0 calculator's example scores.
        let vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
        assert_eq!(base_score(vector), Some(9.3));
        assert_eq!(severity_of(&[cvss("CVSS_V4", vector)]), Severity::Critical);
    }

    #[test]
    fn v2_and_malformed_vectors_have_no_score() {
        for vector in [
            "AV:N/AC:L/Au:N/C:P/I:P/A:P",
            "CVSS:3.1/AV:X",
            "",
            "CVSS:4.0/",
        ] {
            assert_eq!(base_score(vector), None, "{vector}");
        }
        assert_eq!(severity_of(&[cvss("CVSS_V2", "AV:N")]), Severity::Unknown);
    }
}
