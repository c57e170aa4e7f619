//! The request URI's query string: where exec, attach and port-forward carry
//! their options. Shared by the detections and the exec report.

/// The `key=value` pairs of a URI's query, not decoded: the value is `None`
/// for a pair without `=`. Empty pairs are skipped; a URI without `?` has
/// none.
pub(crate) fn query_pairs(uri: &str) -> impl Iterator<Item = (&str, Option<&str>)> {
    let query = uri.split_once('?').map_or("", |(_, query)| query);
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (pair, None),
        })
}

/// Decodes `application/x-www-form-urlencoded`: `+` is a space, `%XX` a byte.
/// Bad escapes are kept as written; bytes that are not UTF-8 are replaced.
pub(crate) fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_split_not_decoded() {
        let pairs: Vec<_> = query_pairs("/exec?command=id+-u&&tty&c%3D=x").collect();
        assert_eq!(
            pairs,
            [
                ("command", Some("id+-u")),
                ("tty", None),
                ("c%3D", Some("x"))
            ]
        );
        assert_eq!(query_pairs("/no-query").count(), 0);
        assert_eq!(query_pairs("/empty?").count(), 0);
    }

    #[test]
    fn decodes_form_encoding() {
        assert_eq!(decode("chroot+%2Fhost+id"), "chroot /host id");
        assert_eq!(decode("echo+hi%21"), "echo hi!");
        assert_eq!(decode("%z"), "%z");
        assert_eq!(decode("%zz%4"), "%zz%4");
        assert_eq!(decode("%ff"), "\u{fffd}");
    }
}
