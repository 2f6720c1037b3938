//! Neural-network building blocks, composed from the primitives in `ops` with no derivative
//! code of their own: the tape derives every gradient.

mod activation;
