//! An executor over the live source for tests: a fresh audit log in its own temp directory.
#![allow(dead_code)]

use opsdash::ops::audit::AuditLog;
use opsdash::ops::{Executor, Operator};
use opsdash::source::SourceKind;
use opsdash::source::aws::AwsSource;
use std::sync::Arc;

/// The executor and its audit log; `tag` names the directory.
pub fn executor(src: &Arc<AwsSource>, read_only: bool, tag: &str) -> (Executor, AuditLog) {
    let dir = std::env::temp_dir().join(format!("opsdash-live-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let log = AuditLog::new(dir.join("audit.jsonl"));
    let exec = Executor::new(
        src.clone(),
        log.clone(),
        read_only,
        Operator {
            user: "tester".into(),
            caller_arn: src.caller_arn.clone(),
            profile: None,
            source: SourceKind::Aws,
        },
    );
    (exec, log)
}
