//! opsdash: a terminal operations console for load-balanced AWS estates.

pub mod model;
pub mod source;
