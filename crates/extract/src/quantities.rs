//! Quantities (to be written).
