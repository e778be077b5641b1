//! `policyscan train`, `policyscan train-tagger` and `policyscan pretrain`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use policyscan_lab::eval::metrics::format_table;
use policyscan_lab::train::pretrain::pretrain;
use policyscan_lab::train::tagger::train_tagger;
use policyscan_lab::train::{TrainOptions, train};

/// Flags of `policyscan train`.
#[derive(Args)]
pub struct TrainArgs {
    /// Training examples (JSONL: text, heading_path, labels).
    #[arg(long)]
    train: PathBuf,
    /// Dev examples, for early stopping (and, for `train`, threshold tuning).
    #[arg(long)]
    dev: PathBuf,
    /// Output model directory (Hugging Face layout).
    #[arg(long)]
    out: PathBuf,
    /// Fine-tune this HF BERT directory (its tokenizer and encoder; new head).
    #[arg(long, conflicts_with = "config")]
    init: Option<PathBuf>,
    /// With --init: grow its encoder to this many layers by repeating its
    /// layers (a multiple of its depth; 4 from a 2-layer encoder).
    #[arg(long, requires = "init")]
    stack_layers: Option<usize>,
    /// Size of a from-scratch model: small (hidden 256, 4 layers) or tiny (hidden 128, 2 layers).
    #[arg(long, default_value = "small")]
    config: String,
    /// WordPiece vocabulary size for a from-scratch model.
    #[arg(long, default_value_t = 8000)]
    vocab_size: usize,
    #[arg(long, default_value_t = 3)]
    epochs: usize,
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Peak learning rate (AdamW, linear warm-up then linear decay).
    #[arg(long, default_value_t = 5e-4)]
    lr: f64,
    /// Fraction of steps used for warm-up.
    #[arg(long, default_value_t = 0.06)]
    warmup: f64,
    #[arg(long, default_value_t = 0.01)]
    weight_decay: f64,
    /// Judge and save each checkpoint with an exponential moving average
    /// of the weights at this decay per step (e.g. 0.99) instead of the
    /// weights as they are.
    #[arg(long, value_parser = super::decay)]
    ema: Option<f64>,
    /// Model window in tokens (default `DEFAULT_MAX_TOKENS` for `train`, 256 for
    /// `train-tagger`, which reads whole segments).
    #[arg(long)]
    max_tokens: Option<usize>,
    /// Read each list item with the tail of the sentence that introduces its
    /// list, after the heading path (saved in `config.json`; `train` only).
    #[arg(long)]
    lead_in: bool,
    #[arg(long, default_value_t = 17)]
    seed: u64,
    /// Evaluations without dev improvement before stopping.
    #[arg(long, default_value_t = 4)]
    patience: usize,
    /// Evaluate on dev every N steps (0: every epoch).
    #[arg(long, default_value_t = 0)]
    eval_every: usize,
    /// Stop after N steps.
    #[arg(long)]
    max_steps: Option<usize>,
}

fn options(a: &TrainArgs, default_window: usize) -> Result<TrainOptions> {
    let (hidden, layers, heads) = super::model_size(&a.config)?;
    Ok(TrainOptions {
        train: a.train.clone(),
        dev: a.dev.clone(),
        out: a.out.clone(),
        init: a.init.clone(),
        stack_layers: a.stack_layers,
        hidden,
        layers,
        heads,
        vocab_size: a.vocab_size,
        epochs: a.epochs,
        batch_size: a.batch_size,
        lr: a.lr,
        warmup: a.warmup,
        weight_decay: a.weight_decay,
        ema: a.ema,
        max_tokens: a.max_tokens.unwrap_or(default_window),
        lead_in: a.lead_in,
        seed: a.seed,
        patience: a.patience,
        eval_every: a.eval_every,
        max_steps: a.max_steps,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
    })
}

pub fn run(a: TrainArgs) -> Result<()> {
    let s = train(&options(&a, policyscan::classify::DEFAULT_MAX_TOKENS)?)?;
    println!(
        "trained {} steps in {:.0} s; best dev macro-F1 {:.3} at step {}; model in {}",
        s.steps,
        s.seconds,
        s.dev.macro_f1,
        s.best_step,
        a.out.display()
    );
    let th: Vec<String> = policyscan::labels::LABELS
        .iter()
        .zip(s.thresholds)
        .map(|(l, t)| format!("{l} {t:.2}"))
        .collect();
    println!("thresholds: {}", th.join(", "));
    print!("{}", format_table(&s.dev));
    Ok(())
}

/// `policyscan train-tagger`: same flags, tagger examples
/// (`{"text": …, "spans": [[start, end], …]}`), early stopping on dev
/// exact-span F1.
pub fn run_tagger(a: TrainArgs) -> Result<()> {
    let s = train_tagger(&options(&a, policyscan::tag::WINDOW)?)?;
    println!(
        "trained {} steps in {:.0} s; best dev exact-span F1 {:.3} at step {}; model in {}",
        s.steps,
        s.seconds,
        s.dev.exact.f1,
        s.best_step,
        a.out.display()
    );
    println!(
        "dev: {} gold spans, {} predicted; exact P {:.3} R {:.3} F1 {:.3}; overlap P {:.3} R {:.3} F1 {:.3}",
        s.dev.gold(),
        s.dev.pred(),
        s.dev.exact.precision,
        s.dev.exact.recall,
        s.dev.exact.f1,
        s.dev.overlap.precision,
        s.dev.overlap.recall,
        s.dev.overlap.f1
    );
    Ok(())
}

/// `policyscan pretrain`: same flags; `--train`/`--dev` are any examples
/// JSONL (labels ignored); selection on dev masked-token accuracy.
pub fn run_pretrain(a: TrainArgs) -> Result<()> {
    let s = pretrain(&options(&a, 128)?)?;
    println!(
        "pre-trained {} steps in {:.0} s; best dev masked-token accuracy {:.3} (loss {:.3}) at step {}; model in {}",
        s.steps,
        s.seconds,
        s.dev_accuracy,
        s.dev_loss,
        s.best_step,
        a.out.display()
    );
    Ok(())
}
