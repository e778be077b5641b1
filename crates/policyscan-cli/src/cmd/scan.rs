//! `policyscan scan`, and with `--plan URI --shard K` one array task of a
//! sharded run (docs/cluster.md).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::Args;
use policyscan::classify::Classifier;
use policyscan::extract::Extractor;
use policyscan::read::discover;
use policyscan::scan::{ScanOptions, scan};
use policyscan::segment::SegmentOptions;
use policyscan::shard::{Settings, Worker, shard_index};
use policyscan::tag::Tagger;

/// Flags of `policyscan scan`.
#[derive(Args)]
pub struct ScanArgs {
    /// Policy files or folders (searched recursively); `-` reads one policy from stdin.
    #[arg(required_unless_present = "plan", conflicts_with = "plan")]
    paths: Vec<PathBuf>,
    /// Output folder for segments, entities, policies and errors tables.
    #[arg(long, short, required_unless_present = "plan", conflicts_with = "plan")]
    out: Option<PathBuf>,
    /// Table format.
    #[arg(long, value_enum, default_value = "parquet")]
    format: super::Format,
    /// Classifier model directory (a Hugging Face BERT, an n-gram model with `ngram.json`, or an ensemble directory with `ensemble.json`). Default: the model built into the binary.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Data-mention tagger directory (Hugging Face `BertForTokenClassification`
    /// layout). Default: the tagger built into the binary.
    #[arg(long, conflicts_with = "no_tagger")]
    tagger: Option<PathBuf>,
    /// Skip the data-mention tagger (no `data_mention` rows; a faster scan).
    #[arg(long)]
    no_tagger: bool,
    /// Where the models run: cpu, or cuda / cuda:N (binary built with `--features cuda`).
    #[arg(long, default_value = "cpu")]
    device: policyscan::model::DeviceSpec,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Segments per classifier forward pass.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Classifier window in tokens (heading path + segment).
    #[arg(long, default_value_t = policyscan::classify::DEFAULT_MAX_TOKENS)]
    max_tokens: usize,
    /// Longest segment in characters; longer paragraphs are split at sentence ends (else at a comma).
    #[arg(long, default_value_t = 200)]
    max_chars: usize,
    /// Policies per committed batch: memory is bounded by one batch [default: 64;
    /// with --plan, the plan's].
    #[arg(long)]
    chunk: Option<usize>,
    /// Files larger than this many bytes are rejected (errors table) without being read.
    #[arg(long, default_value_t = 32 * 1024 * 1024)]
    max_bytes: u64,
    /// Also write the decoded text of each policy to texts/<policy_id>.txt (offsets index into it).
    #[arg(long)]
    keep_text: bool,
    /// Continue an interrupted run in --out.
    #[arg(long)]
    resume: bool,
    /// Data-type lexicon (TSV: surface, canonical, category) replacing the built-in one.
    #[arg(long)]
    lexicon: Option<PathBuf>,
    /// Run one shard of a plan made by `policyscan plan` (a shared folder or
    /// s3://bucket/prefix): parts go to URI/TABLE/part-K-of-N.parquet, then the
    /// marker URI/_done/shard-K.json. A shard already done exits at once.
    #[arg(long, value_name = "URI", help_heading = "Sharded runs")]
    plan: Option<String>,
    /// The shard to run. Default: JOB_COMPLETION_INDEX (Kubernetes), else
    /// SLURM_ARRAY_TASK_ID, else AWS_BATCH_JOB_ARRAY_INDEX.
    #[arg(
        long,
        value_name = "K",
        requires = "plan",
        help_heading = "Sharded runs"
    )]
    shard: Option<usize>,
    /// Added to a shard number taken from the environment (Slurm arrays past MaxArraySize).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        requires = "plan",
        help_heading = "Sharded runs"
    )]
    shard_offset: usize,
    /// Local folder for the shard's batches (a rerun on the same machine resumes
    /// there). Default: a folder under the system temp, named by plan and shard.
    #[arg(
        long,
        value_name = "DIR",
        requires = "plan",
        help_heading = "Sharded runs"
    )]
    scratch: Option<PathBuf>,
}

/// The thread pool, classifier, tagger and extractor that `--threads`,
/// `--model`, `--tagger`/`--no-tagger`, `--device` and `--lexicon` ask for.
fn models(a: &ScanArgs) -> Result<(Classifier, Option<Tagger>, Extractor)> {
    super::set_threads(a.threads)?;
    let clf = super::load_classifier_on(a.model.as_ref(), a.max_tokens, a.device)?;
    let tagger = if a.no_tagger {
        None
    } else {
        Some(super::load_tagger_on(
            a.tagger.as_deref(),
            policyscan::tag::WINDOW,
            a.device,
        )?)
    };
    let extractor = match &a.lexicon {
        Some(p) => Extractor::with_lexicon(p)?,
        None => Extractor::new()?,
    };
    Ok((clf, tagger, extractor))
}

/// Default `--chunk`.
const CHUNK: usize = 64;

pub fn run(a: ScanArgs) -> Result<()> {
    if let Some(uri) = a.plan.clone() {
        return run_shard(a, &uri);
    }
    let out = a.out.clone().expect("clap requires --out without --plan");
    let (clf, tagger, extractor) = models(&a)?;
    let discovery = discover(&a.paths)?;
    for r in discovery
        .rejected
        .iter()
        .filter(|r| r.error.starts_with("duplicate"))
    {
        eprintln!("policyscan: warning: {}: {}", r.path, r.error);
    }
    let opts = options(&a, out.clone(), a.chunk.unwrap_or(CHUNK));
    let s = scan(&discovery, &opts, &clf, tagger.as_ref(), &extractor)?;
    if s.already_complete {
        eprintln!(
            "policyscan: {} is already complete ({} policies, {} segments, {} errors); nothing to do",
            out.display(),
            s.policies,
            s.segments,
            s.errors
        );
        return Ok(());
    }
    let rate = if s.seconds > 0.0 {
        s.policies as f64 / s.seconds
    } else {
        0.0
    };
    eprintln!(
        "policyscan: {} policies, {} segments, {} errors in {:.1} s ({:.1} policies/s){}; tables in {}",
        s.policies,
        s.segments,
        s.errors,
        s.seconds,
        rate,
        if s.resumed_batches > 0 {
            format!(", {} batches resumed", s.resumed_batches)
        } else {
            String::new()
        },
        out.display()
    );
    Ok(())
}

/// The scan settings of the flags.
fn options(a: &ScanArgs, out: PathBuf, chunk: usize) -> ScanOptions {
    ScanOptions {
        out,
        format: a.format.into(),
        batch_size: a.batch_size.max(1),
        chunk: chunk.max(1),
        max_bytes: a.max_bytes,
        segment: SegmentOptions {
            max_chars: a.max_chars.max(16),
        },
        keep_text: a.keep_text,
        resume: a.resume,
        progress: std::io::stderr().is_terminal(),
        abort_after: std::env::var("POLICYSCAN_ABORT_AFTER_BATCHES")
            .ok()
            .and_then(|v| v.parse().ok()),
    }
}

/// `scan --plan URI`: one shard of a sharded run.
fn run_shard(a: ScanArgs, uri: &str) -> Result<()> {
    let (k, _) = shard_index(a.shard, a.shard_offset, |v| std::env::var(v).ok())?;
    let worker = Worker::open(uri, k)?;
    let n = worker.meta().shards;
    if let Some(m) = worker.done()? {
        eprintln!(
            "policyscan: shard {k} of {n} already done ({} policies, {} errors); nothing to do",
            m.policies, m.errors
        );
        return Ok(());
    }
    let chunk = worker.meta().chunk;
    if a.chunk.is_some_and(|c| c.max(1) != chunk) {
        bail!("this plan was cut for --chunk {chunk}; its workers use that (omit --chunk)");
    }
    if !matches!(a.format, super::Format::Parquet) {
        bail!("a sharded run writes Parquet parts; omit --format");
    }
    let settings = Settings {
        tool_version: policyscan::shard::TOOL_VERSION.into(),
        model_sha256: super::plan::model_sha256(a.model.as_deref())?,
        tagger_sha256: match a.no_tagger {
            true => None,
            false => Some(super::plan::tagger_sha256(a.tagger.as_deref())?),
        },
        lexicon_sha256: match &a.lexicon {
            Some(p) => Some(policyscan::shard::sha256_hex(&std::fs::read(p)?)),
            None => None,
        },
        max_tokens: a.max_tokens,
        max_chars: a.max_chars.max(16),
        max_bytes: a.max_bytes,
    };
    if settings.model_sha256 != worker.meta().model_sha256 {
        bail!(
            "the plan at {uri} was made for another classifier; give scan the --model given to plan"
        );
    }
    let (clf, tagger, extractor) = models(&a)?;
    let scratch = a
        .scratch
        .clone()
        .unwrap_or_else(|| worker.default_scratch());
    let opts = options(&a, PathBuf::new(), chunk);
    let m = worker.run(
        &settings,
        &opts,
        Path::new(&scratch),
        &clf,
        tagger.as_ref(),
        &extractor,
    )?;
    eprintln!(
        "policyscan: shard {k} of {n}: {} policies, {} segments, {} errors in {:.1} s{}; parts in {uri}",
        m.policies,
        m.rows.get("segments").copied().unwrap_or(0),
        m.errors,
        m.seconds,
        if m.resumed_batches > 0 {
            format!(", {} batches resumed", m.resumed_batches)
        } else {
            String::new()
        },
    );
    Ok(())
}
