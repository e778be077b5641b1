//! Stage-by-stage and end-to-end benchmarks (a bench binary: `cargo bench
//! --bench pipeline`). Prints throughput per stage, classifier segments/s
//! at several batch sizes with achieved GFLOP/s against this machine's peak,
//! thread scaling, and end-to-end policies/s. Uses `data/samples` always and
//! the 403-policy corpus in `../shared` when it is present.
//!
//! Options (environment): `BENCH_SECS` (seconds per measurement, default 3),
//! `BENCH_MODEL` (a model directory instead of the embedded one),
//! `BENCH_MAX_TOKENS` (the classifier window instead of the scan's default).

use std::path::Path;
use std::time::{Duration, Instant};

use policyscan::classify::{Classifier, DEFAULT_MAX_TOKENS};
use policyscan::decode::decode;
use policyscan::extract::Extractor;
use policyscan::html::{html_to_text, looks_like_html};
use policyscan::model::batch::Input;
use policyscan::segment::{Segment, SegmentOptions, lead_ins, segment};

/// Run `f` repeatedly for about `secs`; return (iterations, seconds).
fn time<F: FnMut()>(secs: f64, mut f: F) -> (usize, f64) {
    f(); // warm-up
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < Duration::from_secs_f64(secs) || n == 0 {
        f();
        n += 1;
    }
    (n, start.elapsed().as_secs_f64())
}

fn load_docs() -> (String, Vec<(String, Vec<u8>)>) {
    // Cargo runs benches in the package folder; the repository root (with
    // `data/` and, beside it, `../shared`) is two levels up.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = root.join("../shared/corpus/ca4p/texts");
    let (name, dir) = if shared.is_dir() {
        ("ca4p corpus (403 policies)".to_string(), shared)
    } else {
        println!("../shared not found: benchmarking on data/samples only");
        ("data/samples".to_string(), root.join("data/samples"))
    };
    let mut docs: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("bench input folder")
        .filter_map(|e| e.ok())
        .map(|e| {
            let p = e.path();
            (p.display().to_string(), std::fs::read(&p).unwrap())
        })
        .collect();
    docs.sort();
    (name, docs)
}

/// Matmul FLOPs of the encoder for a batch of `rows` × `width` tokens.
fn encoder_flops(h: usize, layers: usize, inter: usize, rows: usize, width: usize) -> f64 {
    let t = width as f64;
    let h = h as f64;
    let per_seq_layer = 2.0 * t * h * (3.0 * h) // QKV
        + 2.0 * 2.0 * t * t * h // scores and context
        + 2.0 * t * h * h // attention output
        + 2.0 * 2.0 * t * h * inter as f64; // feed-forward
    rows as f64 * (layers as f64 * per_seq_layer + 2.0 * h * h)
}

fn peak_gflops() -> (f64, String) {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let mhz: f64 = info
        .lines()
        .find(|l| l.starts_with("cpu MHz"))
        .and_then(|l| l.split(':').nth(1))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(2000.0);
    let lanes = if info.contains("avx512f") {
        16.0
    } else if info.contains("avx2") {
        8.0
    } else {
        4.0
    };
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1) as f64;
    // 2 FMA units per core, 2 flops per FMA: an upper bound.
    let peak = cores * mhz / 1000.0 * lanes * 2.0 * 2.0;
    (
        peak,
        format!(
            "{cores} cores x {:.2} GHz x {lanes} f32 lanes x 2 FMA units x 2",
            mhz / 1000.0
        ),
    )
}

fn main() {
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // As `policyscan scan` does: batches run in parallel on rayon, so
        // candle's element-wise pool stays at one thread.
        // SAFETY: first statement of main, no other thread exists yet.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
    }
    let secs: f64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3.0);
    // BENCH_MAX_TOKENS compares windows side by side (default: the scan's).
    let window: usize = std::env::var("BENCH_MAX_TOKENS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_MAX_TOKENS);
    let mut clf = match std::env::var("BENCH_MODEL") {
        Ok(dir) => Classifier::from_dir(Path::new(&dir), window).expect("BENCH_MODEL loads"),
        Err(_) => Classifier::embedded(window).expect("embedded model"),
    };
    let extractor = Extractor::new().expect("lexicon");
    let (name, docs) = load_docs();
    let bytes: usize = docs.iter().map(|d| d.1.len()).sum();
    let mb = bytes as f64 / 1e6;
    println!("input: {name}, {} files, {:.2} MB", docs.len(), mb);

    // decode (+ HTML when it is HTML)
    let mut texts = Vec::new();
    let (n, s) = time(secs, || {
        texts = docs
            .iter()
            .filter_map(|(_, b)| decode(b).ok())
            .map(|d| {
                if looks_like_html(&d.text) {
                    html_to_text(&d.text)
                } else {
                    d.text
                }
            })
            .collect();
    });
    println!("decode+html     {:>10.1} MB/s", mb * n as f64 / s);

    let opts = SegmentOptions::default();
    let mut segs: Vec<Vec<Segment>> = Vec::new();
    let (n, s) = time(secs, || {
        segs = texts.iter().map(|t| segment(t, &opts)).collect();
    });
    let nseg: usize = segs.iter().map(|s| s.len()).sum();
    println!(
        "segmentation    {:>10.1} MB/s   ({} segments)",
        mb * n as f64 / s,
        nseg
    );

    let (n, s) = time(secs, || {
        let mut k = 0;
        for ss in &segs {
            for sg in ss {
                k += extractor.extract(&sg.text, &sg.heading_path).len();
            }
        }
        std::hint::black_box(k);
    });
    println!("extraction      {:>10.1} MB/s", mb * n as f64 / s);

    let flat: Vec<&Segment> = segs.iter().flatten().collect();
    let leads: Vec<Option<&str>> = segs.iter().flat_map(|p| lead_ins(p)).collect();
    let inputs: Vec<Input> = flat
        .iter()
        .zip(leads)
        .map(|(s, lead_in)| Input {
            heading_path: &s.heading_path,
            text: &s.text,
            lead_in,
        })
        .collect();
    // The kernel figures are the first BERT member's; the built-in model
    // has one (an n-gram member costs a sparse dot product per segment).
    let batcher = clf
        .batcher()
        .expect("BENCH_MODEL has no BERT member: the kernel figures need one")
        .clone();
    let (n, s) = time(secs, || {
        std::hint::black_box(batcher.encode(&inputs).unwrap());
    });
    println!(
        "tokenisation    {:>10.0} segments/s (1 thread)",
        inputs.len() as f64 * n as f64 / s
    );

    let cfg = clf.config().expect("checked above").clone();
    let (peak, how) = peak_gflops();
    let encoded = batcher.encode(&inputs).unwrap();
    let sample: Vec<usize> = (0..encoded.len())
        .step_by((encoded.len() / 2048).max(1))
        .collect();
    let sub: Vec<_> = sample.iter().map(|&i| encoded[i].clone()).collect();
    println!(
        "classifier: hidden {} x {} layers, window {} tokens, {} segments sampled; peak {:.0} GFLOP/s ({how})",
        cfg.hidden_size,
        cfg.num_hidden_layers,
        batcher.max_tokens(),
        sub.len(),
        peak
    );
    // Each measurement runs candle's stock ops and then the fused kernels
    // (the default), back to back, so their ratio is a same-run figure.
    for bs in [1usize, 8, 32, 64] {
        let batches = batcher.batches(&sub, bs);
        let flops: f64 = batches
            .iter()
            .map(|b| {
                encoder_flops(
                    cfg.hidden_size,
                    cfg.num_hidden_layers,
                    cfg.intermediate_size,
                    b.rows,
                    b.width,
                )
            })
            .sum();
        let mut rates = Vec::new();
        for (path, on) in [("stock", false), ("fused", true)] {
            clf.set_fused_kernels(on);
            let (n, s) = time(secs, || {
                for b in &batches {
                    let t = b.tensors(&candle_core::Device::Cpu).unwrap();
                    std::hint::black_box(clf.logits(&t).unwrap());
                }
            });
            let r = sub.len() as f64 * n as f64 / s;
            rates.push(r);
            println!(
                "  batch {bs:>3} {path} (length-bucketed, sequential) {r:>8.0} segments/s  {:>6.1} GFLOP/s ({:.1}% of peak)",
                flops * n as f64 / s / 1e9,
                100.0 * flops * n as f64 / s / 1e9 / peak
            );
        }
        println!(
            "  batch {bs:>3} fused vs stock: {:.2}x",
            rates[1] / rates[0]
        );
    }
    // Thread scaling of the parallel classifier path (what `scan` runs).
    let sub_inputs: Vec<Input> = sample.iter().map(|&i| inputs[i]).collect();
    for (path, on) in [("stock", false), ("fused", true)] {
        clf.set_fused_kernels(on);
        let mut rates = Vec::new();
        for threads in [1usize, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let (n, s) = pool.install(|| {
                time(secs, || {
                    std::hint::black_box(clf.score(&sub_inputs, 32).unwrap());
                })
            });
            let r = sub_inputs.len() as f64 * n as f64 / s;
            rates.push(r);
            println!("  scan path {path}, batch 32, {threads} thread(s): {r:>8.0} segments/s");
        }
        println!(
            "  scan path {path}, thread scaling 2 vs 1: {:.2}x",
            rates[1] / rates[0]
        );
    }
    clf.set_fused_kernels(true);

    // End to end (no table writing): all stages over all documents.
    let (n, s) = time(secs.max(1.0), || {
        let mut total = 0;
        for (_, b) in &docs {
            let Ok(d) = decode(b) else { continue };
            let text = if looks_like_html(&d.text) {
                html_to_text(&d.text)
            } else {
                d.text
            };
            let sg = segment(&text, &opts);
            for x in &sg {
                total += extractor.extract(&x.text, &x.heading_path).len();
            }
            let inp: Vec<Input> = sg
                .iter()
                .zip(lead_ins(&sg))
                .map(|(x, lead_in)| Input {
                    heading_path: &x.heading_path,
                    text: &x.text,
                    lead_in,
                })
                .collect();
            total += clf.score(&inp, 32).unwrap().len();
        }
        std::hint::black_box(total);
    });
    println!(
        "end to end (per policy, in memory): {:.1} policies/s, {:.0} segments/s",
        docs.len() as f64 * n as f64 / s,
        nseg as f64 * n as f64 / s
    );
}
