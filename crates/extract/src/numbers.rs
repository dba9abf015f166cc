//! Numbers (to be written).
