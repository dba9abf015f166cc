//! marsad-extract (being written)
pub mod dates;
pub mod numbers;
pub mod quantities;
