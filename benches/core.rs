//! Criterion benchmarks of the core, without Python: one-shot counting of the corpus under
//! tests/data, and streaming one adversarial piece one byte at a time against counting it at once.
//!
//! `cargo bench --bench core`; `STREAMTOK_BENCH_SIZES=100000,300000,1000000` picks the sizes of
//! the adversarial pieces.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::path::Path;
use streamtok::{Encoding, Stream};

fn corpus() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x != "md"))
                .filter_map(|e| {
                    let bytes = std::fs::read(e.path()).ok()?;
                    Some((e.file_name().to_string_lossy().into_owned(), String::from_utf8_lossy(&bytes).into_owned()))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn count(c: &mut Criterion) {
    for name in ["o200k_base", "cl100k_base"] {
        let enc = Encoding::builtin(name).expect("built-in encoding");
        let mut group = c.benchmark_group(format!("count/{name}"));
        for (file, text) in corpus() {
            group.throughput(Throughput::Bytes(text.len() as u64));
            group
                .bench_with_input(BenchmarkId::from_parameter(&file), &text, |b, t| b.iter(|| enc.count(black_box(t))));
        }
        group.finish();
    }
}

fn sizes() -> Vec<usize> {
    std::env::var("STREAMTOK_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 3_000, 10_000])
}

/// One piece of each adversarial shape: letters, spaces, spaces with newlines, digits, punctuation.
fn adversarial(size: usize) -> Vec<(&'static str, String)> {
    let cycle = |unit: &str| unit.repeat(size / unit.len() + 1)[..size].to_string();
    let letters: String = (0..size).map(|i| (b'a' + ((i * 7 + i / 13) % 26) as u8) as char).collect();
    vec![
        ("letters", letters),
        ("spaces", cycle(" ")),
        ("spaces_newlines", cycle("  \n ")),
        ("digits", cycle("8675309")),
        ("punctuation", cycle("!?.,;:-")),
    ]
}

fn stream_bytes(c: &mut Criterion) {
    let enc = Encoding::builtin("o200k_base").expect("built-in encoding");
    let mut group = c.benchmark_group("adversarial/o200k_base");
    group.sample_size(10);
    for size in sizes() {
        for (shape, text) in adversarial(size) {
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_with_input(BenchmarkId::new(format!("{shape}/one_shot"), size), &text, |b, t| {
                b.iter(|| enc.count(black_box(t)))
            });
            group.bench_with_input(BenchmarkId::new(format!("{shape}/byte_by_byte"), size), &text, |b, t| {
                b.iter(|| {
                    let mut s = Stream::new(enc.clone(), None);
                    for byte in t.as_bytes().chunks(1) {
                        black_box(s.push_bytes(byte, false, None).unwrap_or(0));
                    }
                    s.finish(None)
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, count, stream_bytes);
criterion_main!(benches);
