//! Exact sums of `f64` values, whatever the order of the additions.
//!
//! A floating-point sum depends on the order of its additions. A search whose decisions rest on
//! sums over objects (the change of loss of a swap, the loss itself) then depends on how the
//! objects were split: across threads, or across chunks of rows held by different processes.
//! [`ExactSum`] keeps the sum exactly, as a fixed-point number wide enough for every finite
//! `f64`, so partial sums can be formed in any grouping and merged in any order, and the
//! result has the same bits.

/// Radix of the digits: 2^32, leaving 31 bits of headroom in an `i64` for pending carries.
const RADIX_BITS: u32 = 32;
/// Digits from 2^-1074 (the least subnormal) up past 2^1024, plus carry room.
const DIGITS: usize = 70;
/// Additions between carry propagations: each adds less than 2^32 to a digit.
const ADDS_BEFORE_CARRY: u32 = 1 << 30;

/// An exact sum of finite `f64` values.
///
/// ```
/// use banditpam::ExactSum;
/// let values = [1e100, 1.0, -1e100, 1e-300, 3.0];
/// let mut forward = ExactSum::new();
/// values.iter().for_each(|&v| forward.add(v));
/// let (mut a, mut b) = (ExactSum::new(), ExactSum::new());
/// values.iter().rev().take(2).for_each(|&v| a.add(v));
/// values.iter().take(3).for_each(|&v| b.add(v));
/// a.merge(&b);
/// assert_eq!(forward.value(), 4.0);
/// assert_eq!(a.value().to_bits(), forward.value().to_bits());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ExactSum {
    digits: [i64; DIGITS],
    adds: u32,
    /// An infinite or NaN value was added: the sum is no longer a number.
    not_finite: bool,
}

/// The carried digits from the lowest non-zero one (`start`), and whether the sum is a number:
/// what an [`ExactSum`] sends between processes.
#[derive(serde::Serialize, serde::Deserialize)]
struct Wire {
    start: u32,
    digits: Vec<i64>,
    not_finite: bool,
}

impl serde::Serialize for ExactSum {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut sum = self.clone();
        sum.carry();
        let start = sum.digits.iter().position(|&d| d != 0).unwrap_or(DIGITS);
        let end = sum.digits.iter().rposition(|&d| d != 0).map_or(start, |e| e + 1);
        Wire { start: start as u32, digits: sum.digits[start..end].to_vec(), not_finite: sum.not_finite }
            .serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for ExactSum {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let wire = Wire::deserialize(deserializer)?;
        let start = wire.start as usize;
        if start.saturating_add(wire.digits.len()) > DIGITS {
            return Err(serde::de::Error::custom("an exact sum with more digits than any finite sum"));
        }
        let mut sum = ExactSum::new();
        sum.digits[start..start + wire.digits.len()].copy_from_slice(&wire.digits);
        sum.not_finite = wire.not_finite;
        // Carried once more, so that digits out of range (from a bad sender) cannot overflow.
        sum.adds = ADDS_BEFORE_CARRY - 1;
        Ok(sum)
    }
}

impl Default for ExactSum {
    fn default() -> Self {
        ExactSum::new()
    }
}

impl std::fmt::Debug for ExactSum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ExactSum({})", self.value())
    }
}

impl ExactSum {
    /// Zero.
    pub fn new() -> Self {
        ExactSum { digits: [0; DIGITS], adds: 0, not_finite: false }
    }

    /// Add `value`. A NaN or infinite value makes the sum NaN.
    #[inline]
    pub fn add(&mut self, value: f64) {
        let bits = value.to_bits();
        let exponent = ((bits >> 52) & 0x7ff) as u32;
        let fraction = bits & ((1 << 52) - 1);
        if exponent == 0x7ff {
            self.not_finite = true;
            return;
        }
        // value = mantissa * 2^(shift - 1074)
        let (mantissa, shift) = if exponent == 0 { (fraction, 0) } else { (fraction | (1 << 52), exponent - 1) };
        if mantissa == 0 {
            return;
        }
        let index = (shift / RADIX_BITS) as usize;
        let wide = u128::from(mantissa) << (shift % RADIX_BITS);
        let mask = (1u128 << RADIX_BITS) - 1;
        let parts = [(wide & mask) as i64, ((wide >> RADIX_BITS) & mask) as i64, (wide >> (2 * RADIX_BITS)) as i64];
        if bits >> 63 == 0 {
            for (digit, part) in self.digits[index..index + 3].iter_mut().zip(parts) {
                *digit += part;
            }
        } else {
            for (digit, part) in self.digits[index..index + 3].iter_mut().zip(parts) {
                *digit -= part;
            }
        }
        self.adds += 1;
        if self.adds == ADDS_BEFORE_CARRY {
            self.carry();
        }
    }

    /// Add every value of another sum.
    pub fn merge(&mut self, other: &ExactSum) {
        self.carry();
        let mut other = other.clone();
        other.carry();
        for (digit, more) in self.digits.iter_mut().zip(other.digits) {
            *digit += more;
        }
        self.not_finite |= other.not_finite;
        self.carry();
    }

    /// Propagate carries so that every digit but the last lies in `[0, 2^32)`: the one form
    /// of each exact value.
    fn carry(&mut self) {
        for i in 0..DIGITS - 1 {
            let carry = self.digits[i] >> RADIX_BITS;
            self.digits[i] -= carry << RADIX_BITS;
            self.digits[i + 1] += carry;
        }
        self.adds = 0;
    }

    /// The sum rounded to `f64` (within one unit in the last place; the same bits for the
    /// same exact sum). NaN if a non-finite value was added; infinite if the sum exceeds
    /// `f64`'s range.
    pub fn value(&self) -> f64 {
        if self.not_finite {
            return f64::NAN;
        }
        let mut sum = self.clone();
        sum.carry();
        let negative = sum.digits[DIGITS - 1] < 0;
        if negative {
            // Negate, so that the digits are those of a non-negative number.
            for d in &mut sum.digits {
                *d = -*d;
            }
            sum.carry();
        }
        let Some(top) = sum.digits.iter().rposition(|&d| d != 0) else {
            return 0.0;
        };
        // The top three digits (at least 65 significant bits, more than f64 keeps) as one
        // integer, times the weight of the lowest of them.
        let low = top.saturating_sub(2);
        let head = (low..=top).rev().fold(0u128, |acc, i| (acc << RADIX_BITS) | sum.digits[i] as u128);
        let exponent = (low as i32) * RADIX_BITS as i32 - 1074;
        let half = exponent / 2;
        let magnitude = head as f64 * power_of_two(half) * power_of_two(exponent - half);
        if negative {
            -magnitude
        } else {
            magnitude
        }
    }
}

/// 2^e for e in [-1022, 1023], exactly.
fn power_of_two(e: i32) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn small_cases() {
        let sum = |values: &[f64]| {
            let mut s = ExactSum::new();
            values.iter().for_each(|&v| s.add(v));
            s.value()
        };
        assert_eq!(sum(&[]), 0.0);
        assert_eq!(sum(&[0.1, 0.2]), 0.1 + 0.2);
        assert_eq!(sum(&[1e308, 1e308, -1e308]), 1e308);
        assert_eq!(sum(&[5e-324, 5e-324]), 1e-323);
        assert_eq!(sum(&[-2.5, 1.0]), -1.5);
        assert_eq!(sum(&[1.0, 1e-30, -1.0]), 1e-30);
        assert!(sum(&[1.0, f64::INFINITY]).is_nan());
        assert_eq!(sum(&[f64::MAX, f64::MAX]), f64::INFINITY);
    }

    proptest! {
        #[test]
        fn any_order_and_grouping_gives_the_same_bits(
            values in proptest::collection::vec(prop_oneof![-1e6f64..1e6, -1e-200f64..1e-200, -1e200f64..1e200], 0..60),
            split in 0usize..60,
        ) {
            let mut forward = ExactSum::new();
            values.iter().for_each(|&v| forward.add(v));
            let mut backward = ExactSum::new();
            values.iter().rev().for_each(|&v| backward.add(v));
            let split = split.min(values.len());
            let (mut left, mut right) = (ExactSum::new(), ExactSum::new());
            values[..split].iter().for_each(|&v| left.add(v));
            values[split..].iter().for_each(|&v| right.add(v));
            right.merge(&left);
            prop_assert_eq!(forward.value().to_bits(), backward.value().to_bits());
            prop_assert_eq!(forward.value().to_bits(), right.value().to_bits());
            // Close to the float sum (which carries its own rounding).
            let naive: f64 = values.iter().sum();
            let scale: f64 = values.iter().map(|v| v.abs()).sum();
            prop_assert!((forward.value() - naive).abs() <= 1e-12 * scale + 1e-300);
        }

        #[test]
        fn integers_sum_exactly(values in proptest::collection::vec(-1_000_000i64..1_000_000, 0..200)) {
            let mut sum = ExactSum::new();
            values.iter().for_each(|&v| sum.add(v as f64));
            prop_assert_eq!(sum.value(), values.iter().sum::<i64>() as f64);
        }
    }
}
