//! Pretty JSON, shared by every command's `-o json`.
//!
//! ```
//! let mut out = Vec::new();
//! kensa_report::json::render(&serde_json::json!({"ok": true}), &mut out)?;
//! assert_eq!(String::from_utf8(out)?, "{\n  \"ok\": true\n}\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::Write;

use serde::Serialize;

use crate::Result;

/// Writes `value` as pretty-printed JSON followed by a newline.
pub fn render(value: &impl Serialize, out: &mut dyn Write) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil;

    #[test]
    fn report_round_trips_as_json() {
        let report = testutil::report();
        let mut out = Vec::new();
        render(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with("}\n"));
        assert!(text.starts_with("{\n  \"tool\": {"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["tool"]["informationUri"], "https://example.invalid/kensa");
        assert_eq!(v["suiteName"], "pss restricted");
        assert_eq!(v["findings"].as_array().unwrap().len(), 3);
        assert_eq!(v["checked"][2]["location"], serde_json::Value::Null);
    }

    #[test]
    fn write_errors_surface() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let err = render(&[1, 2, 3], &mut Broken).unwrap_err();
        assert!(matches!(err, crate::Error::Io(_)), "{err:?}");
        assert!(err.to_string().contains("disk full"), "{err}");
    }
}
