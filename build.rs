//! Build step: turns the committed, compressed vocabularies into rank-ordered blobs that the
//! library embeds, and derives the Unicode class tables of the pre-tokenizers from `regex-syntax`,
//! the same tables tiktoken's regex engine uses, so that no Unicode version skew creeps in.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[allow(dead_code)]
#[path = "rust/error.rs"]
mod error;
#[allow(dead_code)]
#[path = "rust/vocab/tiktoken_format.rs"]
mod tiktoken_format;

/// The embedded vocabularies and the sha256 that tiktoken checks for each.
const VOCABS: [(&str, &str); 4] = [
    ("r50k_base", "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"),
    ("p50k_base", "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069"),
    ("cl100k_base", "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
    ("o200k_base", "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
];

// Class bits; they must agree with rust/text/unicode.rs.
const LETTER: u8 = 1;
const NUMBER: u8 = 2;
const SPACE: u8 = 4;
const UPPERISH: u8 = 8;
const LOWERISH: u8 = 16;
const MARK: u8 = 32;

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=rust/vocab/tiktoken_format.rs");
    println!("cargo:rerun-if-changed=rust/error.rs");
    for (name, sha) in VOCABS {
        let source = Path::new("vocab").join(format!("{name}.tiktoken.gz"));
        println!("cargo:rerun-if-changed={}", source.display());
        write_blob(&source, sha, &out.join(format!("{name}.bin")));
    }
    write_unicode_tables(&out.join("unicode_tables.rs"), &out.join("unicode_blocks.bin"));
}

/// Blob layout: `n: u32`, then `n + 1` u32 offsets, then the token bytes in rank order (all LE);
/// rank `r` is `bytes[offsets[r]..offsets[r + 1]]`.
fn write_blob(source: &Path, sha: &str, target: &Path) {
    let mut data = Vec::new();
    let file = std::fs::File::open(source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    flate2::read::GzDecoder::new(file).read_to_end(&mut data).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    let digest = sha2::Sha256::digest(&data);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, sha, "{} does not have the expected sha256", source.display());
    let mut pairs = tiktoken_format::parse(&data).unwrap_or_else(|e| panic!("{e}"));
    pairs.sort_unstable_by_key(|p| p.1);
    // Ranks may have holes (p50k_base leaves 50256 to <|endoftext|>): a hole is an empty span.
    let n = pairs.last().map_or(0, |p| p.1 as usize + 1);
    let mut blob = Vec::with_capacity(data.len());
    blob.extend_from_slice(&(n as u32).to_le_bytes());
    let mut offset = 0u32;
    blob.extend_from_slice(&offset.to_le_bytes());
    let mut next = pairs.iter().peekable();
    for rank in 0..n {
        if let Some((bytes, _)) = next.next_if(|p| p.1 as usize == rank) {
            assert!(!bytes.is_empty(), "{}: empty token", source.display());
            offset += bytes.len() as u32;
        }
        blob.extend_from_slice(&offset.to_le_bytes());
    }
    for (bytes, _) in &pairs {
        blob.extend_from_slice(bytes);
    }
    std::fs::write(target, blob).expect("write blob");
}

use sha2::Digest as _;

/// Code-point ranges of a regex class, as regex-syntax resolves it.
fn ranges(class: &str) -> Vec<(u32, u32)> {
    let hir = regex_syntax::Parser::new().parse(class).expect("class parses");
    match hir.kind() {
        regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(c)) => {
            c.ranges().iter().map(|r| (r.start() as u32, r.end() as u32)).collect()
        }
        other => panic!("{class} is not a unicode class: {other:?}"),
    }
}

fn write_unicode_tables(source_path: &Path, blocks_path: &Path) {
    let mut flags = vec![0u8; 0x110000];
    let classes: [(&str, u8); 9] = [
        (r"\p{L}", LETTER),
        (r"\p{N}", NUMBER),
        (r"\s", SPACE),
        (r"\p{M}", MARK),
        (r"[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]", UPPERISH),
        (r"[\p{Ll}\p{Lm}\p{Lo}\p{M}]", LOWERISH),
        // Sanity: these must be subsets of the classes above; they add no bits.
        (r"\p{Lu}", 0),
        (r"\p{Ll}", 0),
        (r"\p{Lt}", 0),
    ];
    for (class, bit) in classes {
        for (lo, hi) in ranges(class) {
            for cp in lo..=hi {
                flags[cp as usize] |= bit;
            }
        }
    }
    let mut blocks: Vec<&[u8]> = Vec::new();
    let mut index = Vec::with_capacity(0x1100);
    for block in flags.chunks(256) {
        let position = blocks.iter().position(|b| *b == block).unwrap_or_else(|| {
            blocks.push(block);
            blocks.len() - 1
        });
        index.push(position as u16);
    }
    let mut f = std::fs::File::create(blocks_path).expect("create blocks");
    for block in &blocks {
        f.write_all(block).expect("write blocks");
    }
    let mut src = String::new();
    src.push_str("// Generated by build.rs from regex-syntax's Unicode tables.\n");
    src.push_str(&format!("pub(crate) static BLOCK_INDEX: [u16; {}] = [", index.len()));
    for i in &index {
        src.push_str(&format!("{i},"));
    }
    src.push_str("];\n");
    src.push_str(
        "pub(crate) static BLOCKS: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/unicode_blocks.bin\"));\n",
    );
    // Case-insensitive matches of the contraction letters, as `(?i:x)` resolves them.
    src.push_str("/// The ASCII letter of `sdmtlvre` that `c` matches case-insensitively, or 0.\n");
    src.push_str("#[inline]\npub(crate) fn folded_letter(c: u32) -> u8 {\n    match c {\n");
    for letter in "sdmtlvre".chars() {
        let cps: Vec<String> = ranges(&format!("(?i:{letter})"))
            .into_iter()
            .flat_map(|(lo, hi)| lo..=hi)
            .map(|cp| format!("{cp:#x}"))
            .collect();
        src.push_str(&format!("        {} => b'{letter}',\n", cps.join(" | ")));
    }
    src.push_str("        _ => 0,\n    }\n}\n");
    std::fs::write(source_path, src).expect("write tables");
}
