//! Criterion benchmarks of the compiled pre-tokenizer against the hand-written scanners: the
//! pieces of the corpus under tests/data at once, a 1 MB run of one class pushed a byte at a
//! time through the resumable scans, and compiling the patterns.
//!
//! `cargo bench --bench compiled`.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::path::Path;
use std::time::Duration;
use streamtok::pretok::compiled::{patterns, Compiled, Resume};
use streamtok::Family;

/// The corpus files, one after another.
fn corpus() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x != "md"));
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).map(|b| String::from_utf8_lossy(&b).into_owned()).collect()
}

const COMPILED: [(&str, &str); 7] = [
    ("r50k", patterns::R50K),
    ("cl100k", patterns::CL100K),
    ("o200k", patterns::O200K),
    ("llama3", patterns::LLAMA3),
    ("qwen3.5", patterns::QWEN3_5),
    ("tekken", patterns::TEKKEN),
    ("deepseek", patterns::DEEPSEEK),
];

const HAND: [(&str, Family); 3] = [("r50k", Family::Gpt2), ("cl100k", Family::Cl100k), ("o200k", Family::O200k)];

fn pieces(c: &mut Criterion) {
    let text = corpus();
    let mut group = c.benchmark_group("pieces/corpus");
    group.sample_size(10).measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Bytes(text.len() as u64));
    for (name, family) in HAND {
        group.bench_function(BenchmarkId::new("hand", name), |b| b.iter(|| family.pieces(black_box(&text)).count()));
    }
    for (name, pattern) in COMPILED {
        let compiled = Compiled::new(pattern).expect("the pattern compiles");
        group.bench_function(BenchmarkId::new("compiled", name), |b| {
            b.iter(|| compiled.pieces(black_box(&text)).count())
        });
    }
    group.finish();
}

/// Whether a push that ends at `cut` completes a character (a stream holds back the bytes of
/// one that is cut, as the hand-written scanners need).
fn whole(bytes: &[u8], cut: usize) -> bool {
    bytes.get(cut).is_none_or(|&b| b & 0xc0 != 0x80)
}

/// Pushes `bytes` a byte at a time: one open scan per push that completes a character, carrying
/// the resume state `R` of the piece; `scan` answers the piece's length and whether it is final.
fn push<R: Default>(bytes: &[u8], mut scan: impl FnMut(&[u8], &mut R) -> (usize, bool)) -> usize {
    let (mut start, mut resume, mut pieces) = (0, R::default(), 0);
    for cut in (1..=bytes.len()).filter(|&cut| whole(bytes, cut)) {
        loop {
            let (n, is_final) = scan(&bytes[start..cut], &mut resume);
            if !is_final {
                break;
            }
            (start, resume, pieces) = (start + n, R::default(), pieces + 1);
            if start == cut {
                break;
            }
        }
    }
    pieces
}

fn run_a_byte_at_a_time(c: &mut Criterion) {
    let size = 1 << 20;
    let mut group = c.benchmark_group("run_1mb_a_byte_at_a_time");
    group.sample_size(10).measurement_time(Duration::from_secs(3));
    for unit in [" ", "a", "中", "1", "!"] {
        let text = format!("{}.a", unit.repeat(size / unit.len()));
        group.throughput(Throughput::Bytes(text.len() as u64));
        let label = |engine: &str, name: &str| BenchmarkId::new(format!("{engine}/{name}"), format!("{unit:?}"));
        for (name, family) in HAND {
            group.bench_function(label("hand", name), |b| {
                b.iter(|| {
                    push(black_box(text.as_bytes()), |t, r: &mut streamtok::pretok::Resume| family.scan_open(t, r))
                })
            });
        }
        for (name, pattern) in COMPILED {
            let compiled = Compiled::new(pattern).expect("the pattern compiles");
            group.bench_function(label("compiled", name), |b| {
                b.iter(|| {
                    push(black_box(text.as_bytes()), |t, r: &mut Resume| {
                        let (piece, is_final) = compiled.scan_open(t, r);
                        (piece.len, is_final)
                    })
                })
            });
        }
    }
    group.finish();
}

fn compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    group.sample_size(10).measurement_time(Duration::from_secs(2));
    for (name, pattern) in COMPILED {
        group.bench_function(name, |b| b.iter(|| Compiled::new(black_box(pattern)).map(|c| c.pattern().len())));
    }
    group.finish();
}

criterion_group!(benches, pieces, run_a_byte_at_a_time, compile);
criterion_main!(benches);
