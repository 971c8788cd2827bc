//! Masks decrypted vault values in everything the human reporter prints: a writer that holds
//! each line until it is complete and then replaces every value `drover_vault` has decrypted
//! with `********` (`drover_vault::keyring::mask`). Ansible prints vaulted values in `debug`
//! and diffs; drover deliberately does not (see docs/compatibility.md).

use std::io::Write;

/// A writer that masks decrypted vault values, a line at a time.
pub(crate) struct Masked {
    inner: Box<dyn Write + Send>,
    line: Vec<u8>,
    /// Write as is (the recap: host names and counts, where a short secret such as `1` would
    /// hide the counts).
    pub(crate) raw: bool,
}

impl Masked {
    pub(crate) fn new(inner: Box<dyn Write + Send>) -> Masked {
        Masked {
            inner,
            line: Vec::new(),
            raw: false,
        }
    }

    fn emit(&mut self, upto: usize) -> std::io::Result<()> {
        let rest = self.line.split_off(upto);
        let text = String::from_utf8_lossy(&self.line);
        let masked = drover_vault::mask(&text);
        self.inner.write_all(masked.as_bytes())?;
        self.line = rest;
        Ok(())
    }
}

impl Write for Masked {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.line.is_empty() && (self.raw || !drover_vault::keyring::anything_revealed()) {
            return self.inner.write(data);
        }
        self.line.extend_from_slice(data);
        if let Some(end) = self.line.iter().rposition(|b| *b == b'\n') {
            self.emit(end + 1)?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.line.is_empty() {
            self.emit(self.line.len())?;
        }
        self.inner.flush()
    }
}

impl Drop for Masked {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}
