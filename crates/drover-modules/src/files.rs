//! Writing files on a host the safe way, shared by copy, template, lineinfile, blockinfile and
//! replace: read the current state in one round trip, and when the content differs write a temp
//! file beside the destination, set mode and owner on it, then rename it over the destination.

use drover_types::{FileDiff, ModuleContext, TaskResult};

/// Mode, owner and group a file should end up with (`None`: leave as is / default for new files).
#[derive(Debug, Clone, Default)]
pub(crate) struct FileAttrs {
    /// Octal mode bits, already parsed (symbolic modes resolved against the current mode).
    pub(crate) mode: Option<String>,
    pub(crate) owner: Option<String>,
    pub(crate) group: Option<String>,
}

/// What `read_state` found.
#[derive(Debug, Clone, Default)]
pub(crate) struct FileState {
    pub(crate) exists: bool,
    pub(crate) is_dir: bool,
    pub(crate) content: Option<Vec<u8>>,
    pub(crate) mode: Option<String>,
    pub(crate) owner: Option<String>,
    pub(crate) group: Option<String>,
}

/// Reads a file's existence, type, content, mode, owner and group in one round trip.
pub(crate) async fn read_state(ctx: &ModuleContext<'_>, path: &str) -> Result<FileState, TaskResult> {
    let _ = (ctx, path);
    todo!()
}

/// Makes `path` hold exactly `content` with `attrs`, atomically; respects check mode; when
/// `backup`, keeps a timestamped copy of the old file and returns its path under `backup_file`.
/// Returns a result with `changed` and, with `--diff`, the diff of the content.
pub(crate) async fn write_content(
    ctx: &ModuleContext<'_>,
    path: &str,
    before: &FileState,
    content: &[u8],
    attrs: &FileAttrs,
    backup: bool,
    validate: Option<&str>,
) -> TaskResult {
    let _ = (ctx, path, before, content, attrs, backup, validate);
    todo!()
}

/// A text diff for `--diff`.
pub(crate) fn text_diff(path: &str, before: &[u8], after: &[u8]) -> FileDiff {
    FileDiff {
        before_header: path.to_owned(),
        after_header: path.to_owned(),
        before: String::from_utf8_lossy(before).into_owned(),
        after: String::from_utf8_lossy(after).into_owned(),
    }
}
