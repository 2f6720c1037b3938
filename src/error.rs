//! Errors for bad data from users: building tensors, reading files, a zero direction.
//!
//! Misuse of the API (mismatched shapes in an op, `backward` on a vector) is a bug in the
//! caller's code and panics at the caller's line instead; see the crate docs.

use std::fmt;

/// What went wrong with data that came from outside the program.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// `Tensor::from_vec` got a number of elements that does not fit the shape.
    LengthMismatch {
        /// How many elements the data had.
        len: usize,
        /// The shape asked for.
        shape: Vec<usize>,
        /// How many elements that shape holds.
        expected: usize,
    },
    /// A shape holds more elements than any buffer can: the product of its lengths, in
    /// bytes, exceeds `isize::MAX` (or overflows `usize`).
    ShapeOverflow {
        /// Where: the constructor that was given the shape.
        context: String,
        /// The shape asked for.
        shape: Vec<usize>,
    },
    /// The allocator refused a buffer (see [`Tensor::try_zeros`](crate::Tensor::try_zeros)).
    OutOfMemory {
        /// Where: the constructor that asked for the buffer.
        context: String,
        /// The shape asked for.
        shape: Vec<usize>,
        /// The bytes the buffer needed.
        bytes: usize,
    },
    /// A value that must be finite was not.
    NonFinite {
        /// Where: the constructor or file that found it.
        context: String,
        /// The flat index of the first bad element.
        index: usize,
    },
    /// A file or its contents could not be read or written.
    Io {
        /// What was being done, and on which path.
        context: String,
        /// The underlying message.
        message: String,
    },
    /// A file was read but does not match what was expected (names, shapes, dtype).
    Format {
        /// Which file or source.
        context: String,
        /// Every problem found, one per entry.
        problems: Vec<String>,
    },
    /// A node's value or gradient is not finite: found by
    /// [`Var::backward_checked`](crate::Var::backward_checked) or
    /// [`Graph::check_values`](crate::Graph::check_values), naming the first such node.
    NonFiniteNode {
        /// `"value"` (the forward side) or `"gradient"` (the backward side).
        side: &'static str,
        /// The node's id on its tape.
        node: usize,
        /// The op that recorded it (`"leaf"` for a variable or constant).
        op: &'static str,
        /// The name given with [`Var::named`](crate::Var::named), if any.
        name: Option<String>,
        /// The first bad element: NaN, +∞ or −∞.
        bad: f64,
        /// Each input: its label (name or `op#id`) and the range of its value.
        inputs: Vec<String>,
        /// Where the node was recorded (`file:line:column`), in checked mode.
        location: Option<String>,
    },
    /// A direction had length zero, so u/|u| is undefined (as in
    /// [`directional_derivative`](crate::directional_derivative)).
    ZeroDirection {
        /// Where: the function that was given the direction.
        context: String,
        /// The shape of the all-zero direction.
        shape: Vec<usize>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NonFiniteNode {
                side,
                node,
                op,
                name,
                bad,
                inputs,
                location,
            } => {
                write!(f, "the {side} of node {node} ({op}")?;
                if let Some(n) = name {
                    write!(f, " \"{n}\"")?;
                }
                write!(f, ") is {bad}")?;
                if let Some(at) = location {
                    write!(f, ", recorded at {at}")?;
                }
                if !inputs.is_empty() {
                    write!(f, "; inputs: {}", inputs.join(", "))?;
                }
                Ok(())
            }
            Error::LengthMismatch {
                len,
                shape,
                expected,
            } => write!(
                f,
                "tensor data has {len} elements but shape {shape:?} needs {expected}"
            ),
            Error::ShapeOverflow { context, shape } => write!(
                f,
                "{context}: shape {shape:?} holds more elements than any buffer can \
                 (the product of its lengths overflows)"
            ),
            Error::OutOfMemory {
                context,
                shape,
                bytes,
            } => write!(
                f,
                "{context}: could not allocate {bytes} bytes for shape {shape:?}"
            ),
            Error::NonFinite { context, index } => {
                write!(f, "{context}: element {index} is not finite")
            }
            Error::Io { context, message } => write!(f, "{context}: {message}"),
            Error::Format { context, problems } => {
                write!(f, "{context}: {}", problems.join("; "))
            }
            Error::ZeroDirection { context, shape } => write!(
                f,
                "{context}: the direction (shape {shape:?}) is all zeros, so it has no unit vector"
            ),
        }
    }
}

impl std::error::Error for Error {}
