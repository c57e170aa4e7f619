//! A line diff in unified format, as `diff -u` prints it.
//!
//! Myers' O(ND) algorithm on the lines between the common prefix and suffix,
//! then hunks with 3 lines of context; hunks closer than 6 unchanged lines
//! are joined, as GNU diff does. A last line without a line break is
//! followed by `\ No newline at end of file`. Should the inputs differ in
//! more than [`MAX_EDITS`] lines, the differing middle is shown as one
//! replacement rather than a minimal script.

/// The largest edit distance searched for a minimal diff.
const MAX_EDITS: usize = 20_000;

/// Lines of context around a change.
const CONTEXT: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// Line `a` of old equals line `b` of new.
    Equal(usize, usize),
    /// Old line removed.
    Delete(usize),
    /// New line inserted.
    Insert(usize),
}

/// The lines of `text`, each with its line break.
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// The unified diff of `old` and `new` with 3 lines of context, headed
/// `--- old_name` and `+++ new_name`; the empty string when they are equal.
///
/// ```
/// let diff = kensa_scan::fix::unified_diff("a/pod.yaml", "b/pod.yaml", "a\nb\n", "a\nc\n");
/// assert_eq!(diff, "--- a/pod.yaml\n+++ b/pod.yaml\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n");
/// ```
pub fn unified_diff(old_name: &str, new_name: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let a = lines(old);
    let b = lines(new);
    let ops = diff_ops(&a, &b);
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    write_hunks(&mut out, &a, &b, &ops);
    out
}

fn diff_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let mut ops: Vec<Op> = (0..prefix).map(|i| Op::Equal(i, i)).collect();
    let mid_a = &a[prefix..a.len() - suffix];
    let mid_b = &b[prefix..b.len() - suffix];
    match myers(mid_a, mid_b) {
        Some(mid) => ops.extend(mid.into_iter().map(|op| match op {
            Op::Equal(x, y) => Op::Equal(x + prefix, y + prefix),
            Op::Delete(x) => Op::Delete(x + prefix),
            Op::Insert(y) => Op::Insert(y + prefix),
        })),
        None => {
            ops.extend((0..mid_a.len()).map(|x| Op::Delete(x + prefix)));
            ops.extend((0..mid_b.len()).map(|y| Op::Insert(y + prefix)));
        }
    }
    let (a_end, b_end) = (a.len() - suffix, b.len() - suffix);
    ops.extend((0..suffix).map(|i| Op::Equal(a_end + i, b_end + i)));
    ops
}

/// Myers' greedy forward search, keeping each round's frontier for the
/// walk back. `None` when the distance exceeds [`MAX_EDITS`].
fn myers(a: &[&str], b: &[&str]) -> Option<Vec<Op>> {
    let (n, m) = (a.len(), b.len());
    let max = n + m;
    if max == 0 {
        return Some(Vec::new());
    }
    let offset = max + 1;
    let mut v = vec![0usize; 2 * max + 3];
    // trace[d] is the frontier before round d, for diagonals -d-1..=d+1.
    let mut trace: Vec<Vec<usize>> = Vec::new();
    let mut end = None;
    'rounds: for d in 0..=max.min(MAX_EDITS) {
        trace.push(v[offset - d - 1..=offset + d + 1].to_vec());
        for k in (0..=2 * d).step_by(2) {
            // Diagonal k - d, stored at offset + k - d.
            let at = offset + k - d;
            let mut x = if k == 0 || (k != 2 * d && v[at - 1] < v[at + 1]) {
                v[at + 1]
            } else {
                v[at - 1] + 1
            };
            let mut y = (x + d).checked_sub(k)?;
            while x < n && y < m && a[x] == b[y] {
                x += 1;
                y += 1;
            }
            v[at] = x;
            if x >= n && y >= m {
                end = Some(d);
                break 'rounds;
            }
        }
    }
    let distance = end?;
    let mut ops = Vec::with_capacity(max);
    let (mut x, mut y) = (n, m);
    for d in (1..=distance).rev() {
        let frontier = &trace[d];
        // frontier index of diagonal k is k + d + 1.
        let k = x as isize - y as isize;
        let get = |diag: isize| frontier[(diag + d as isize + 1) as usize];
        let down = k == -(d as isize) || (k != d as isize && get(k - 1) < get(k + 1));
        let prev_k = if down { k + 1 } else { k - 1 };
        let prev_x = get(prev_k);
        let prev_y = (prev_x as isize - prev_k) as usize;
        while x > prev_x && y > prev_y {
            x -= 1;
            y -= 1;
            ops.push(Op::Equal(x, y));
        }
        if down {
            y -= 1;
            ops.push(Op::Insert(y));
        } else {
            x -= 1;
            ops.push(Op::Delete(x));
        }
    }
    while x > 0 && y > 0 {
        x -= 1;
        y -= 1;
        ops.push(Op::Equal(x, y));
    }
    ops.reverse();
    Some(ops)
}

fn push_line(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

fn range(start: usize, count: usize) -> String {
    match count {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{count}", start + 1),
    }
}

fn write_hunks(out: &mut String, a: &[&str], b: &[&str], ops: &[Op]) {
    // Position in old and new before each op.
    let mut before = Vec::with_capacity(ops.len() + 1);
    let (mut x, mut y) = (0, 0);
    for op in ops {
        before.push((x, y));
        match op {
            Op::Equal(..) => {
                x += 1;
                y += 1;
            }
            Op::Delete(_) => x += 1,
            Op::Insert(_) => y += 1,
        }
    }
    before.push((x, y));
    let changes: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Equal(..)))
        .map(|(i, _)| i)
        .collect();
    let mut group_start = 0;
    while group_start < changes.len() {
        let mut group_end = group_start;
        while group_end + 1 < changes.len()
            && changes[group_end + 1] - changes[group_end] - 1 <= 2 * CONTEXT
        {
            group_end += 1;
        }
        let from = changes[group_start].saturating_sub(CONTEXT);
        let to = (changes[group_end] + CONTEXT + 1).min(ops.len());
        let (old_start, new_start) = before[from];
        let (old_end, new_end) = before[to];
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(old_start, old_end - old_start),
            range(new_start, new_end - new_start)
        ));
        let mut i = from;
        while i < to {
            if let Op::Equal(ax, _) = ops[i] {
                push_line(out, ' ', a[ax]);
                i += 1;
                continue;
            }
            let run_end = (i..to)
                .find(|&j| matches!(ops[j], Op::Equal(..)))
                .unwrap_or(to);
            for op in &ops[i..run_end] {
                if let Op::Delete(ax) = op {
                    push_line(out, '-', a[*ax]);
                }
            }
            for op in &ops[i..run_end] {
                if let Op::Insert(by) = op {
                    push_line(out, '+', b[*by]);
                }
            }
            i = run_end;
        }
        group_start = group_end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_give_nothing() {
        assert_eq!(unified_diff("a", "b", "x\ny\n", "x\ny\n"), "");
    }

    #[test]
    fn insertion_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n";
        let new = "1\n2\n3\n4\nnew\n5\n6\n7\n8\n";
        assert_eq!(
            unified_diff("a", "b", old, new),
            "--- a\n+++ b\n@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+new\n 5\n 6\n 7\n"
        );
    }

    #[test]
    fn far_changes_make_two_hunks_and_near_ones_one() {
        let old: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let far = old
            .replace("2\n", "two\n")
            .replacen("18\n", "eighteen\n", 1);
        let diff = unified_diff("a", "b", &old, &far);
        assert_eq!(diff.matches("@@ -").count(), 2, "{diff}");
        let near = old
            .replacen("3\n", "three\n", 1)
            .replacen("10\n", "ten\n", 1);
        let diff = unified_diff("a", "b", &old, &near);
        assert_eq!(diff.matches("@@ -").count(), 1, "{diff}");
    }

    #[test]
    fn empty_sides_and_missing_final_newline() {
        assert_eq!(
            unified_diff("a", "b", "", "x\n"),
            "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n"
        );
        assert_eq!(
            unified_diff("a", "b", "x\ny", "x\ny\n"),
            "--- a\n+++ b\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+y\n"
        );
    }

    #[test]
    fn replacement_lists_deletions_first() {
        assert_eq!(
            unified_diff("a", "b", "a\nb\nc\n", "a\nx\ny\nc\n"),
            "--- a\n+++ b\n@@ -1,3 +1,4 @@\n a\n-b\n+x\n+y\n c\n"
        );
    }

    /// A small deterministic generator (a linear congruential one).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, below: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % below
        }
    }

    /// Old and new texts of unique lines (so the minimal diff is unique).
    fn generated(seed: u64) -> (String, String) {
        let mut rng = Lcg(seed);
        let count = 5 + rng.next(60) as usize;
        let mut old = String::new();
        let mut new = String::new();
        let mut fresh = 0;
        for i in 0..count {
            let line = format!("line {i}\n");
            old.push_str(&line);
            match rng.next(10) {
                0 => {}
                1 => {
                    fresh += 1;
                    new.push_str(&format!("new {fresh}\n"));
                }
                2 => {
                    new.push_str(&line);
                    fresh += 1;
                    new.push_str(&format!("new {fresh}\n"));
                }
                _ => new.push_str(&line),
            }
        }
        if rng.next(4) == 0 {
            new.pop();
        }
        (old, new)
    }

    #[test]
    fn agrees_with_diff_u() {
        let dir = std::env::temp_dir().join(format!("kensa-fix-diff-{}", std::process::id()));
        if std::fs::create_dir_all(&dir).is_err() {
            eprintln!("SKIP: no temporary directory");
            return;
        }
        let (old_path, new_path) = (dir.join("old"), dir.join("new"));
        for seed in 0..40 {
            let (old, new) = generated(seed);
            let ours = unified_diff("old", "new", &old, &new);
            let written =
                std::fs::write(&old_path, &old).and_then(|()| std::fs::write(&new_path, &new));
            assert!(written.is_ok());
            let Ok(output) = std::process::Command::new("diff")
                .arg("-u")
                .arg(&old_path)
                .arg(&new_path)
                .output()
            else {
                eprintln!("SKIP: no diff binary");
                let _ = std::fs::remove_dir_all(&dir);
                return;
            };
            let theirs = String::from_utf8_lossy(&output.stdout);
            // Drop the two header lines (they carry paths and times).
            let theirs_body: String = theirs.split_inclusive('\n').skip(2).collect();
            let ours_body: String = ours.split_inclusive('\n').skip(2).collect();
            assert_eq!(
                ours_body, theirs_body,
                "seed {seed}\nold:\n{old}\nnew:\n{new}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
