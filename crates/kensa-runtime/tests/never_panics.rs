//! Whatever the input, reading policies reports problems and never panics.

use kensa_runtime::{parse_policies, plan, validate};
use proptest::prelude::*;

const SEED: &str = "apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: x
spec:
  kprobes:
  - call: security_file_permission
    syscall: false
    args:
    - index: 0
      type: file
    selectors:
    - matchArgs:
      - index: 0
        operator: Prefix
        values: [/etc]
      matchActions:
      - action: Sigkill
";

/// Reads, and when something is read, validates and plans it too.
fn exercise(text: &str) {
    let (policies, _errors) = parse_policies("fuzz.yaml", text);
    for p in &policies {
        let _ = validate(p);
        let _ = plan(p);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC*") {
        exercise(&text);
    }

    #[test]
    fn yaml_like_text_never_panics(text in "[-:\\[\\]{} \n#a-z0-9&*!|>'\"]{0,200}") {
        exercise(&text);
    }

    #[test]
    fn a_mangled_policy_never_panics(cut in 0usize..400, insert in "[-:\\[\\]{} \n&*a-z0-9]{0,12}") {
        let mut text = SEED.to_owned();
        let at = cut.min(text.len());
        if text.is_char_boundary(at) {
            text.insert_str(at, &insert);
        }
        exercise(&text);
    }
}

#[test]
fn deep_nesting_and_alias_bombs_do_not_panic() {
    exercise(&"[".repeat(10_000));
    exercise(&"- ".repeat(5_000));
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nkind: TracingPolicy\n";
    exercise(bomb);
    // Deep nesting inside a policy reaches the typed decoding too.
    for depth in [20, 31, 40, 200] {
        let deep = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        for field in ["metadata:\n  uid", "spec:\n  kprobes", "status"] {
            let text =
                format!("apiVersion: cilium.io/v1alpha1\nkind: TracingPolicy\n{field}: {deep}\n");
            let (policies, _) = parse_policies("deep.yaml", &text);
            if depth > 32 {
                assert!(policies.is_empty(), "{depth} {field}");
            }
        }
    }
}
