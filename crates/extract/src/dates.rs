//! Dates (to be written).
