//! opsdash: a terminal operations console for load-balanced AWS estates.

pub mod action;
pub mod app;
pub mod cli;
pub mod config;
pub mod fleet;
pub mod identity;
pub mod input;
pub mod logfile;
pub mod model;
pub mod ops;
pub mod paths;
pub mod poller;
pub mod report;
pub mod runtime;
pub mod source;
pub mod state;
pub mod team;
pub mod theme;
pub mod ui;
