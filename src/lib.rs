//! opsdash: a terminal operations console for load-balanced AWS estates.

pub mod model;
pub mod source;
pub mod action;
pub mod app;
pub mod config;
pub mod theme;
pub mod ui;
pub mod poller;
pub mod report;
pub mod cli;
pub mod runtime;
