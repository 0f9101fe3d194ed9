//! A deterministic hash: 128-bit FNV-1a (Fowler–Noll–Vo, variant 1a).
//!
//! Used where a value must be the same on every machine, in every run and in WebAssembly: the derived
//! `originalMessageId` (documented in [`crate::fix::derive_original_message_id`]) and, truncated to its low 64
//! bits, the compact keys of the per-record bookkeeping. Fields are fed length-prefixed, so `("ab", "c")` and
//! `("a", "bc")` hash differently.

const FNV128_OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
const FNV128_PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

/// FNV-1a, 128 bits, over length-prefixed fields.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fnv128(u128);

impl Fnv128 {
    pub(crate) fn new() -> Self {
        Fnv128(FNV128_OFFSET)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u128::from(byte);
            self.0 = self.0.wrapping_mul(FNV128_PRIME);
        }
    }

    /// Adds one field: its length (8 bytes, little-endian) then its bytes.
    pub(crate) fn field(mut self, bytes: &[u8]) -> Self {
        self.bytes(&(bytes.len() as u64).to_le_bytes());
        self.bytes(bytes);
        self
    }

    pub(crate) fn finish(self) -> u128 {
        self.0
    }

    /// The low 64 bits, for compact keys.
    pub(crate) fn finish_64(self) -> u64 {
        self.0 as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_and_field_boundaries() {
        // Published FNV-1a test vectors: the empty input gives the offset basis; "a" gives
        // 0xd228cb696f1a8caf78912b704e4a8964.
        let mut plain = Fnv128::new();
        plain.bytes(b"a");
        assert_eq!(plain.finish(), 0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964);
        assert_eq!(Fnv128::new().finish(), FNV128_OFFSET);
        let split_one = Fnv128::new().field(b"ab").field(b"c").finish();
        let split_two = Fnv128::new().field(b"a").field(b"bc").finish();
        assert_ne!(split_one, split_two);
        assert_eq!(Fnv128::new().field(b"x").finish_64(), Fnv128::new().field(b"x").finish() as u64);
    }
}
