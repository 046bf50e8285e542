//! The vocabularies embedded in the library, parsed once per process on first use.

use super::Vocab;
use std::sync::{Arc, OnceLock};

/// The embedded vocabulary files, by the name of the encoding that introduced each.
const FILES: [&str; 4] = ["r50k_base", "p50k_base", "cl100k_base", "o200k_base"];

/// The embedded vocabulary `file` (one of r50k_base, p50k_base, cl100k_base, o200k_base),
/// shared by every caller.
pub fn builtin(file: &str) -> Option<Arc<Vocab>> {
    static CELLS: [OnceLock<Arc<Vocab>>; FILES.len()] = [const { OnceLock::new() }; FILES.len()];
    let index = FILES.iter().position(|f| *f == file)?;
    let blob: &'static [u8] = match index {
        0 => include_bytes!(concat!(env!("OUT_DIR"), "/r50k_base.bin")),
        1 => include_bytes!(concat!(env!("OUT_DIR"), "/p50k_base.bin")),
        2 => include_bytes!(concat!(env!("OUT_DIR"), "/cl100k_base.bin")),
        _ => include_bytes!(concat!(env!("OUT_DIR"), "/o200k_base.bin")),
    };
    Some(CELLS[index].get_or_init(|| Arc::new(Vocab::from_blob(blob))).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_vocabularies_have_their_sizes() {
        let size = |f| builtin(f).unwrap().len();
        assert_eq!(size("r50k_base"), 50256);
        assert_eq!(size("p50k_base"), 50280);
        assert_eq!(size("cl100k_base"), 100256);
        assert_eq!(size("o200k_base"), 199998);
        assert!(Arc::ptr_eq(&builtin("o200k_base").unwrap(), &builtin("o200k_base").unwrap()));
        assert!(builtin("o200k_harmony").is_none());
    }
}
