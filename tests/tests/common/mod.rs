//! What the reference-agreement tests (conformance, fidelity) share.

/// Agreement counts.
#[derive(Default, Debug, Clone, Copy)]
pub struct Tally {
    pub agree: usize,
    pub total: usize,
}

impl Tally {
    pub fn add(&mut self, agrees: bool) {
        self.total += 1;
        self.agree += usize::from(agrees);
    }

    /// The share that agrees, in percent (100 when there is nothing to count).
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            100.0 * self.agree as f64 / self.total as f64
        }
    }
}
