//! DynamoDB's Number type: an exact decimal of up to 38 significant digits whose magnitude
//! lies between 1E-130 and 9.9999999999999999999999999999999999999E+125 (or is zero).
//!
//! Numbers are kept normalised (sign, significant digits without leading or trailing zeros,
//! exponent of the first digit), so derived equality and hashing are numeric equality, and
//! `Display` prints DynamoDB's canonical text: plain decimal notation without an exponent,
//! without leading zeros, trailing fractional zeros or a negative zero.

use std::cmp::Ordering;
use std::fmt;

/// Most significant digits a Number may carry.
const MAX_DIGITS: usize = 38;
/// Largest power of ten of a Number's first significant digit.
const MAX_EXPONENT: i64 = 125;
/// Smallest power of ten of a Number's first significant digit.
const MIN_EXPONENT: i64 = -130;
/// Exponents in the text are clamped here: far beyond both limits, and far from overflowing.
const EXPONENT_CLAMP: i64 = 1_000_000_000;

/// A DynamoDB number (exact decimal).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Number {
    /// Sign; never set for zero.
    negative: bool,
    /// Significant digits (0..=9), most significant first, with no leading or trailing zeros;
    /// empty for zero.
    digits: Vec<u8>,
    /// Power of ten of the first digit (`1.5` and `15` differ only here); 0 for zero.
    exponent: i64,
}

/// Why a text is not a storable Number; `Display` is DynamoDB's `ValidationException` message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NumberError {
    /// The text is empty.
    Empty,
    /// The text is not a decimal number (carries the text).
    NotANumber(String),
    /// More than 38 significant digits.
    TooManyDigits,
    /// Magnitude above 9.99…E+125.
    Overflow,
    /// Magnitude below 1E-130.
    Underflow,
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumberError::Empty => f.write_str("The parameter cannot be converted to a numeric value"),
            NumberError::NotANumber(text) => {
                write!(f, "The parameter cannot be converted to a numeric value: {text}")
            }
            NumberError::TooManyDigits => {
                f.write_str("Attempting to store more than 38 significant digits in a Number")
            }
            NumberError::Overflow => f.write_str(
                "Number overflow. Attempting to store a number with magnitude larger than supported range",
            ),
            NumberError::Underflow => f.write_str(
                "Number underflow. Attempting to store a number with magnitude smaller than supported range",
            ),
        }
    }
}

impl std::error::Error for NumberError {}

impl Number {
    /// The sign, significant digits and exponent, as [`Number::from_parts`] takes them.
    pub(crate) fn parts(&self) -> (bool, &[u8], i64) {
        (self.negative, &self.digits, self.exponent)
    }

    /// A number from the parts [`Number::parts`] gave; `None` unless they are normalised
    /// (digits 0..=9 with no leading or trailing zeros, and zero unsigned at exponent 0).
    pub(crate) fn from_parts(negative: bool, digits: Vec<u8>, exponent: i64) -> Option<Number> {
        let normalised = match (digits.first(), digits.last()) {
            (Some(&first), Some(&last)) => {
                first != 0 && last != 0 && digits.iter().all(|d| *d <= 9)
            }
            _ => !negative && exponent == 0,
        };
        normalised.then_some(Number {
            negative,
            digits,
            exponent,
        })
    }

    /// Parses DynamoDB's number text: an optional sign, digits with an optional decimal point
    /// (`1`, `1.`, `.5`), and an optional exponent (`e5`, `E-3`, `e+2`), as Java's BigDecimal
    /// reads it. Leading and trailing zeros are not significant.
    pub fn parse(text: &str) -> Result<Number, NumberError> {
        if text.is_empty() {
            return Err(NumberError::Empty);
        }
        let not_a_number = || NumberError::NotANumber(text.to_owned());
        let bytes = text.as_bytes();
        let mut i = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let mut mantissa = Vec::new();
        let mut integer_len: Option<usize> = None;
        while let Some(&c) = bytes.get(i) {
            match c {
                b'0'..=b'9' => mantissa.push(c - b'0'),
                b'.' if integer_len.is_none() => integer_len = Some(mantissa.len()),
                _ => break,
            }
            i += 1;
        }
        if mantissa.is_empty() {
            return Err(not_a_number());
        }
        let integer_len = integer_len.unwrap_or(mantissa.len());
        let mut exponent: i64 = 0;
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            i += 1;
            let exponent_negative = match bytes.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let start = i;
            while let Some(&c) = bytes.get(i) {
                if !c.is_ascii_digit() {
                    break;
                }
                exponent = (exponent * 10 + i64::from(c - b'0')).min(EXPONENT_CLAMP);
                i += 1;
            }
            if i == start {
                return Err(not_a_number());
            }
            if exponent_negative {
                exponent = -exponent;
            }
        }
        if i != bytes.len() {
            return Err(not_a_number());
        }
        let Some(first) = mantissa.iter().position(|&d| d != 0) else {
            return Ok(Number::zero());
        };
        let last = mantissa.iter().rposition(|&d| d != 0).unwrap_or(first);
        // The first significant digit sits `integer_len - 1 - first` places left of the point.
        let leading = i64::try_from(integer_len).unwrap_or(i64::MAX)
            - 1
            - i64::try_from(first).unwrap_or(i64::MAX);
        Number::checked(
            negative,
            mantissa[first..=last].to_vec(),
            leading.saturating_add(exponent),
        )
    }

    /// Zero.
    fn zero() -> Number {
        Number {
            negative: false,
            digits: Vec::new(),
            exponent: 0,
        }
    }

    /// Builds a normalised Number (digits already trimmed), enforcing DynamoDB's limits in its
    /// order: magnitude first, then precision.
    fn checked(negative: bool, digits: Vec<u8>, exponent: i64) -> Result<Number, NumberError> {
        if digits.is_empty() {
            return Ok(Number::zero());
        }
        if exponent > MAX_EXPONENT {
            return Err(NumberError::Overflow);
        }
        if exponent < MIN_EXPONENT {
            return Err(NumberError::Underflow);
        }
        if digits.len() > MAX_DIGITS {
            return Err(NumberError::TooManyDigits);
        }
        Ok(Number {
            negative,
            digits,
            exponent,
        })
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// `self + other`, exactly; an error when the result leaves DynamoDB's range or precision.
    pub fn checked_add(&self, other: &Number) -> Result<Number, NumberError> {
        self.combine(other, false)
    }

    /// `self - other`, exactly; an error when the result leaves DynamoDB's range or precision.
    pub fn checked_sub(&self, other: &Number) -> Result<Number, NumberError> {
        self.combine(other, true)
    }

    fn combine(&self, other: &Number, subtract: bool) -> Result<Number, NumberError> {
        let other_negative = other.negative != subtract && !other.is_zero();
        if other.is_zero() {
            return Ok(self.clone());
        }
        if self.is_zero() {
            return Ok(Number {
                negative: other_negative,
                ..other.clone()
            });
        }
        // Both operands laid out on one little-endian digit grid, index 0 at power `low`.
        let low = self.lowest_power().min(other.lowest_power());
        let high = self.exponent.max(other.exponent);
        let width = usize::try_from(high - low + 2).unwrap_or(0);
        let a = self.on_grid(low, width);
        let b = other.on_grid(low, width);
        let (negative, grid) = if self.negative == other_negative {
            (self.negative, add_grids(&a, &b))
        } else {
            match cmp_grids(&a, &b) {
                Ordering::Equal => return Ok(Number::zero()),
                Ordering::Greater => (self.negative, sub_grids(&a, &b)),
                Ordering::Less => (other_negative, sub_grids(&b, &a)),
            }
        };
        let Some(top) = grid.iter().rposition(|&d| d != 0) else {
            return Ok(Number::zero());
        };
        let bottom = grid.iter().position(|&d| d != 0).unwrap_or(top);
        let digits: Vec<u8> = grid[bottom..=top].iter().rev().copied().collect();
        let exponent = low + i64::try_from(top).unwrap_or(0);
        Number::checked(negative, digits, exponent)
    }

    /// Power of ten of the last significant digit.
    fn lowest_power(&self) -> i64 {
        self.exponent - i64::try_from(self.digits.len()).unwrap_or(0) + 1
    }

    /// The digits on a little-endian grid whose index 0 is power `low`.
    fn on_grid(&self, low: i64, width: usize) -> Vec<u8> {
        let mut grid = vec![0; width];
        for (k, &d) in self.digits.iter().enumerate() {
            let power = self.exponent - i64::try_from(k).unwrap_or(0);
            if let Some(slot) = usize::try_from(power - low)
                .ok()
                .and_then(|i| grid.get_mut(i))
            {
                *slot = d;
            }
        }
        grid
    }

    /// Bytes this number counts toward an item's size. DynamoDB stores numbers in base 100
    /// (two digits per byte, pairs aligned on the decimal point) behind one exponent byte;
    /// negative numbers carry a terminator byte unless the mantissa is the full 20 bytes.
    /// Zero is a single byte.
    pub fn size(&self) -> usize {
        if self.is_zero() {
            return 1;
        }
        // Digit at power p falls in base-100 group floor(p / 2).
        let first_group = self.exponent.div_euclid(2);
        let last_group = self.lowest_power().div_euclid(2);
        let groups = usize::try_from(first_group - last_group + 1).unwrap_or(0);
        let terminator = usize::from(self.negative && groups < 20);
        1 + groups + terminator
    }

    /// The nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        if self.is_zero() {
            return 0.0;
        }
        let digits: String = self.digits.iter().map(|&d| char::from(b'0' + d)).collect();
        let sign = if self.negative { "-" } else { "" };
        let text = format!("{sign}0.{digits}e{}", self.exponent + 1);
        text.parse().unwrap_or(0.0)
    }

    fn cmp_magnitude(&self, other: &Number) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            // Normalised digits compare lexicographically once the exponents agree.
            (false, false) => self
                .exponent
                .cmp(&other.exponent)
                .then_with(|| self.digits.cmp(&other.digits)),
        }
    }
}

impl From<u64> for Number {
    fn from(value: u64) -> Number {
        let text = value.to_string();
        let digits: Vec<u8> = text.bytes().map(|c| c - b'0').collect();
        let Some(last) = digits.iter().rposition(|&d| d != 0) else {
            return Number::zero();
        };
        let exponent = i64::try_from(digits.len()).unwrap_or(0) - 1;
        Number {
            negative: false,
            digits: digits[..=last].to_vec(),
            exponent,
        }
    }
}

fn add_grids(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut carry = 0;
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let sum = x + y + carry;
            carry = sum / 10;
            sum % 10
        })
        .collect()
}

/// `a - b` for `a >= b`.
fn sub_grids(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut borrow = 0;
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let take = y + borrow;
            if x >= take {
                borrow = 0;
                x - take
            } else {
                borrow = 1;
                x + 10 - take
            }
        })
        .collect()
}

fn cmp_grids(a: &[u8], b: &[u8]) -> Ordering {
    a.iter().rev().cmp(b.iter().rev())
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        let sign = |n: &Number| match (n.is_zero(), n.negative) {
            (true, _) => 0,
            (false, true) => -1,
            (false, false) => 1,
        };
        sign(self).cmp(&sign(other)).then_with(|| {
            if self.negative {
                other.cmp_magnitude(self)
            } else {
                self.cmp_magnitude(other)
            }
        })
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        let mut out = String::with_capacity(self.digits.len() + 8);
        if self.negative {
            out.push('-');
        }
        let digit = |d: &u8| char::from(b'0' + d);
        if self.exponent >= 0 {
            let integer_len = usize::try_from(self.exponent + 1).unwrap_or(0);
            if integer_len >= self.digits.len() {
                out.extend(self.digits.iter().map(digit));
                out.extend(std::iter::repeat_n('0', integer_len - self.digits.len()));
            } else {
                out.extend(self.digits[..integer_len].iter().map(digit));
                out.push('.');
                out.extend(self.digits[integer_len..].iter().map(digit));
            }
        } else {
            out.push_str("0.");
            let zeros = usize::try_from(-self.exponent - 1).unwrap_or(0);
            out.extend(std::iter::repeat_n('0', zeros));
            out.extend(self.digits.iter().map(digit));
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Number {
        Number::parse(text).unwrap()
    }

    #[test]
    fn canonical_text() {
        let cases = [
            ("0", "0"),
            ("-0", "0"),
            ("+0", "0"),
            ("0.000", "0"),
            ("000", "0"),
            ("0e999999999999999999999", "0"),
            ("-0.0e-5", "0"),
            ("1", "1"),
            ("+1", "1"),
            ("01", "1"),
            ("00042", "42"),
            ("1.50", "1.5"),
            ("3.1400", "3.14"),
            ("0042.1200", "42.12"),
            ("1.0", "1"),
            ("1.", "1"),
            (".5", "0.5"),
            ("-.5", "-0.5"),
            ("1E2", "100"),
            ("1e2", "100"),
            ("1.5E2", "150"),
            ("1.5e+2", "150"),
            ("15e-1", "1.5"),
            ("123.456e1", "1234.56"),
            ("123.456e-5", "0.00123456"),
            ("-99.1", "-99.1"),
            ("100", "100"),
            ("1010", "1010"),
            (
                "0.00000000000000000000000000000000000001",
                "0.00000000000000000000000000000000000001",
            ),
            (
                "12345678901234567890123456789012345678",
                "12345678901234567890123456789012345678",
            ),
            (
                "1000000000000000000000000000000000000000000000000",
                "1000000000000000000000000000000000000000000000000",
            ),
            ("1.000000000000000000000000000000000000000000000", "1"),
        ];
        for (input, expected) in cases {
            assert_eq!(n(input).to_string(), expected, "{input}");
        }
    }

    #[test]
    fn extremes_print_expanded() {
        let max = n("9.9999999999999999999999999999999999999E+125");
        assert_eq!(
            max.to_string(),
            format!("99999999999999999999999999999999999999{}", "0".repeat(88))
        );
        assert_eq!(n("1E125").to_string(), format!("1{}", "0".repeat(125)));
        assert_eq!(n("1E-130").to_string(), format!("0.{}1", "0".repeat(129)));
        assert_eq!(n("-1E-130").to_string(), format!("-0.{}1", "0".repeat(129)));
    }

    #[test]
    fn rejects_with_dynamodb_messages() {
        let digits = "Attempting to store more than 38 significant digits in a Number";
        let overflow = "Number overflow. Attempting to store a number with magnitude larger than supported range";
        let underflow = "Number underflow. Attempting to store a number with magnitude smaller than supported range";
        let cases = [
            (
                "",
                "The parameter cannot be converted to a numeric value".to_owned(),
            ),
            (
                "b",
                "The parameter cannot be converted to a numeric value: b".to_owned(),
            ),
            (
                "-",
                "The parameter cannot be converted to a numeric value: -".to_owned(),
            ),
            (
                ".",
                "The parameter cannot be converted to a numeric value: .".to_owned(),
            ),
            (
                "1..2",
                "The parameter cannot be converted to a numeric value: 1..2".to_owned(),
            ),
            (
                "1e",
                "The parameter cannot be converted to a numeric value: 1e".to_owned(),
            ),
            (
                "1e+",
                "The parameter cannot be converted to a numeric value: 1e+".to_owned(),
            ),
            (
                " 1",
                "The parameter cannot be converted to a numeric value:  1".to_owned(),
            ),
            (
                "1 ",
                "The parameter cannot be converted to a numeric value: 1 ".to_owned(),
            ),
            (
                "--1",
                "The parameter cannot be converted to a numeric value: --1".to_owned(),
            ),
            (
                "0x10",
                "The parameter cannot be converted to a numeric value: 0x10".to_owned(),
            ),
            (
                "NaN",
                "The parameter cannot be converted to a numeric value: NaN".to_owned(),
            ),
            (
                "Infinity",
                "The parameter cannot be converted to a numeric value: Infinity".to_owned(),
            ),
            (
                "1e5.5",
                "The parameter cannot be converted to a numeric value: 1e5.5".to_owned(),
            ),
            (
                "١",
                "The parameter cannot be converted to a numeric value: ١".to_owned(),
            ),
            ("123456789012345678901234567890123456789", digits.to_owned()),
            (
                "-1.23456789012345678901234567890123456789",
                digits.to_owned(),
            ),
            ("1e126", overflow.to_owned()),
            ("-1e126", overflow.to_owned()),
            ("1E+126", overflow.to_owned()),
            ("99.9e125", overflow.to_owned()),
            ("1e999999999999999999999999", overflow.to_owned()),
            ("1e-131", underflow.to_owned()),
            ("-1e-131", underflow.to_owned()),
            ("0.01e-129", underflow.to_owned()),
            ("1e-999999999999999999999999", underflow.to_owned()),
            // Magnitude is judged before precision.
            (
                "1.23456789012345678901234567890123456789e200",
                overflow.to_owned(),
            ),
        ];
        for (input, message) in cases {
            assert_eq!(
                Number::parse(input).unwrap_err().to_string(),
                message,
                "{input:?}"
            );
        }
    }

    #[test]
    fn accepts_limits() {
        for text in [
            "9.9999999999999999999999999999999999999E+125",
            "-9.9999999999999999999999999999999999999E+125",
            "1E-130",
            "-1E-130",
            "0.1e-129",
            "12345678901234567890123456789012345678",
            "1234567890123456789012345678901234567800000",
        ] {
            assert!(Number::parse(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn equality_and_ordering_are_numeric() {
        assert_eq!(n("100"), n("1E2"));
        assert_eq!(n("1.50"), n("1.5"));
        assert_eq!(n("-0"), n("0"));
        let ascending = [
            "-1e125", "-100", "-99.9", "-1.5", "-1", "-0.5", "-1e-130", "0", "1e-130", "0.001",
            "0.5", "1", "1.05", "1.5", "2", "9.99", "10", "15", "100", "1e125",
        ];
        for pair in ascending.windows(2) {
            assert!(n(pair[0]) < n(pair[1]), "{} < {}", pair[0], pair[1]);
            assert!(n(pair[1]) > n(pair[0]), "{} > {}", pair[1], pair[0]);
        }
        for text in ascending {
            assert_eq!(n(text).cmp(&n(text)), Ordering::Equal);
        }
        let mut sorted: Vec<Number> = ascending.iter().rev().map(|t| n(t)).collect();
        sorted.sort();
        let printed: Vec<String> = sorted.iter().map(Number::to_string).collect();
        let expected: Vec<String> = ascending.iter().map(|t| n(t).to_string()).collect();
        assert_eq!(printed, expected);
    }

    #[test]
    fn hashing_agrees_with_equality() {
        use std::collections::HashSet;
        let set: HashSet<Number> = ["1", "1.0", "01", "1e0", "10e-1", "2"]
            .iter()
            .map(|t| n(t))
            .collect();
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn exact_addition_and_subtraction() {
        let cases = [
            ("1", "2", "3", "-1"),
            ("0.1", "0.2", "0.3", "-0.1"),
            ("1.5", "-1.5", "0", "3"),
            ("-1.5", "1.5", "0", "-3"),
            ("0", "5", "5", "-5"),
            ("5", "0", "5", "5"),
            ("0", "0", "0", "0"),
            ("-0", "-5", "-5", "5"),
            ("999", "1", "1000", "998"),
            ("1000", "-1", "999", "1001"),
            ("-1000", "1", "-999", "-1001"),
            (
                "1e10",
                "1e-10",
                "10000000000.0000000001",
                "9999999999.9999999999",
            ),
            ("123.456", "0.544", "124", "122.912"),
            ("-2", "-3", "-5", "1"),
            ("2", "-3", "-1", "5"),
            (
                "99999999999999999999999999999999999999",
                "1",
                "100000000000000000000000000000000000000",
                "99999999999999999999999999999999999998",
            ),
            ("1e125", "-1e125", "0", "2e125"),
            ("3.14159", "2.71828", "5.85987", "0.42331"),
        ];
        for (a, b, sum, difference) in cases {
            assert_eq!(n(a).checked_add(&n(b)).unwrap(), n(sum), "{a} + {b}");
            assert_eq!(n(a).checked_sub(&n(b)).unwrap(), n(difference), "{a} - {b}");
        }
    }

    #[test]
    fn arithmetic_limits() {
        let overflow = n("9.9e125").checked_add(&n("9.9e125")).unwrap_err();
        assert_eq!(overflow, NumberError::Overflow);
        assert_eq!(
            n("-9.9e125").checked_sub(&n("9.9e125")).unwrap_err(),
            NumberError::Overflow
        );
        assert_eq!(
            n("1.1e-130").checked_sub(&n("1e-130")).unwrap_err(),
            NumberError::Underflow
        );
        assert_eq!(
            n("1e30").checked_add(&n("1e-30")).unwrap_err(),
            NumberError::TooManyDigits
        );
        assert_eq!(
            n("12345678901234567890123456789012345678")
                .checked_add(&n("0.1"))
                .unwrap_err(),
            NumberError::TooManyDigits
        );
        // Precision is judged on the result, so trailing zeros of a carry are free.
        assert_eq!(
            n("99999999999999999999999999999999999999")
                .checked_add(&n("1"))
                .unwrap()
                .to_string(),
            format!("1{}", "0".repeat(38))
        );
    }

    #[test]
    fn sizes_match_dynamodb() {
        // Measured against DynamoDB's 400 KB item gate.
        let cases = [
            ("0", 1),
            ("-0", 1),
            ("1", 2),
            ("12", 2),
            ("123", 3),
            ("1234", 3),
            ("12345678901234567890123456789012345678", 20),
            ("0042", 2),
            ("100", 2),
            ("1010", 3),
            ("0.0000001", 2),
            ("1E125", 2),
            ("1E-100", 2),
            ("1.5", 3),
            ("15", 2),
            ("1.2", 3),
            ("1.200", 3),
            ("1.234", 4),
            ("3.14159", 5),
            ("123456", 4),
            ("100.5", 4),
            ("0.15", 2),
            ("-42", 3),
            ("12.3456", 4),
        ];
        for (text, size) in cases {
            assert_eq!(n(text).size(), size, "{text}");
        }
        // A full 20-byte negative mantissa has no terminator byte.
        assert_eq!(n("-1.2345678901234567890123456789012345678").size(), 21);
        assert_eq!(n("-12345678901234567890123456789012345678").size(), 21);
    }

    #[test]
    fn converts_to_f64() {
        let cases = [
            ("0", 0.0),
            ("1", 1.0),
            ("-1.5", -1.5),
            ("150", 150.0),
            ("0.001", 0.001),
            ("1e125", 1e125),
            ("-1e-130", -1e-130),
            (
                "12345678901234567890123456789012345678",
                1.2345678901234568e37,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(n(text).to_f64(), expected, "{text}");
        }
    }

    #[test]
    fn from_u64() {
        for value in [0u64, 1, 9, 10, 100, 1234, 1_000_000, u64::MAX] {
            assert_eq!(Number::from(value).to_string(), value.to_string());
            assert_eq!(Number::from(value), n(&value.to_string()));
        }
    }

    #[test]
    fn never_panics_on_odd_text() {
        for text in [
            "e",
            "E5",
            "+",
            "+.",
            "-.e1",
            ".e1",
            "1e-",
            "9".repeat(5000).as_str(),
            "0.".repeat(3).as_str(),
        ] {
            let _ = Number::parse(text);
        }
        let long_zeros = format!("0.{}1", "0".repeat(100_000));
        assert_eq!(
            Number::parse(&long_zeros).unwrap_err(),
            NumberError::Underflow
        );
    }
}
