//! Putting results of parallel parts back into input order.

use std::collections::BTreeMap;

/// Accepts numbered parts as workers finish them, in any order, and hands
/// them on in order 0, 1, 2, ... as soon as each next one is available.
pub(crate) struct InOrder<P> {
    pending: BTreeMap<usize, P>,
    next: usize,
}

impl<P> InOrder<P> {
    pub(crate) fn new() -> Self {
        InOrder {
            pending: BTreeMap::new(),
            next: 0,
        }
    }

    /// Takes part `index` and passes every part that is now due to `sink`.
    pub(crate) fn accept(&mut self, (index, part): (usize, P), mut sink: impl FnMut(P)) {
        self.pending.insert(index, part);
        while let Some(due) = self.pending.remove(&self.next) {
            sink(due);
            self.next += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_parts_on_in_index_order() {
        let mut order = InOrder::new();
        let mut seen = Vec::new();
        for part in [(2, 'c'), (0, 'a'), (3, 'd'), (1, 'b')] {
            order.accept(part, |p| seen.push(p));
        }
        assert_eq!(seen, ['a', 'b', 'c', 'd']);
    }
}
