//! The one training loop ([`fit`]) every trainer shares — the classifier,
//! the tagger and masked-LM pre-training are [`Fit`] tasks that differ only
//! in loss, dev score and what they save. The loop owns the recipe: epochs
//! of length-bucketed shuffled batches, AdamW with linear warm-up and decay
//! ([`Schedule`]), a smoothed loss on the progress bar, a dev evaluation
//! every `eval_every` steps that checkpoints the best model, and early
//! stopping after `patience` evaluations without a better score. With
//! `ema` set, checkpoints judge and save the moving average of the weights
//! ([`Ema`]) while training goes on from the live ones.

use candle_core::Tensor;
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarMap};
use indicatif::{ProgressBar, ProgressStyle};

use super::ema::Ema;
use super::{TrainError, TrainOptions};
use policyscan::model::batch::Encoded;
use policyscan::rng::SplitMix64;

/// One task the shared training loop ([`fit`]) can drive: the classifier,
/// the tagger and masked-language-model pre-training differ only in their
/// loss, their dev score and how they save themselves.
pub(crate) trait Fit {
    /// What an evaluation reports besides its score.
    type Eval;
    /// Name of the dev score, for the progress bar and the log.
    const METRIC: &'static str;
    /// Training loss of one batch (indices into the encoded training set).
    fn loss(&mut self, batch: &[usize]) -> Result<Tensor, TrainError>;
    /// Dev score (higher is better) and the full evaluation.
    fn evaluate(&mut self) -> Result<(f64, Self::Eval), TrainError>;
    /// Write the model as it is now, with what its evaluation found
    /// (the classifier's tuned thresholds).
    fn save(&self, eval: &Self::Eval) -> Result<(), TrainError>;
    /// Whether there is a dev set to select on; without one every
    /// evaluation saves.
    fn has_dev(&self) -> bool;
}

/// What [`fit`] ran to: steps, the best evaluation and the losses.
pub(crate) struct Fitted<E> {
    pub steps: usize,
    pub best_step: usize,
    pub best: E,
    pub losses: Vec<f32>,
}

/// Where a run of [`fit`] stands: steps taken, losses, the best evaluation
/// so far and how many evaluations since it.
struct Run<E> {
    step: usize,
    losses: Vec<f32>,
    /// (score, step, evaluation) of the best checkpoint.
    best: Option<(f64, usize, E)>,
    since_best: usize,
    /// Exponential moving average of the loss, for the progress bar.
    ema: f32,
    /// The weights' moving average, when checkpoints use it.
    weights: Option<Ema>,
}

/// Whether training goes on after a checkpoint.
#[derive(PartialEq)]
enum Next {
    Continue,
    Stop,
}

impl<E> Run<E> {
    fn new(total: usize, weights: Option<Ema>) -> Self {
        Self {
            step: 0,
            losses: Vec::with_capacity(total),
            best: None,
            since_best: 0,
            ema: f32::NAN,
            weights,
        }
    }

    /// Evaluate the model a checkpoint judges: the weights' average while
    /// `f` runs when there is one, the live weights after.
    fn with_checkpoint_weights<T>(
        &mut self,
        f: impl FnOnce() -> Result<T, TrainError>,
    ) -> Result<T, TrainError> {
        let Some(w) = self.weights.as_mut() else {
            return f();
        };
        w.swap()?;
        let out = f();
        w.swap()?;
        out
    }

    /// One optimiser step on one batch at learning rate `lr`.
    fn train_step<F: Fit<Eval = E>>(
        &mut self,
        task: &mut F,
        opt: &mut AdamW,
        batch: &[usize],
        lr: f64,
    ) -> Result<(), TrainError> {
        opt.set_learning_rate(lr);
        let loss = task.loss(batch)?;
        opt.backward_step(&loss)?;
        let l = loss.to_scalar::<f32>()?;
        self.losses.push(l);
        self.ema = if self.ema.is_nan() {
            l
        } else {
            0.95 * self.ema + 0.05 * l
        };
        self.step += 1;
        if let Some(w) = self.weights.as_mut() {
            w.update()?;
        }
        Ok(())
    }

    /// The progress bar's message: smoothed loss and best dev score.
    fn message(&self, metric: &str) -> String {
        let best_f = self.best.as_ref().map(|b| b.0).unwrap_or(f64::NAN);
        format!("loss {:.4} dev {metric} {best_f:.3}", self.ema)
    }

    /// Evaluate; save when the score is the best yet (or there is no dev
    /// set), else count towards early stopping.
    fn checkpoint<F: Fit<Eval = E>>(
        &mut self,
        task: &mut F,
        patience: usize,
    ) -> Result<Next, TrainError> {
        let step = self.step;
        let has_dev = task.has_dev();
        let best = self.best.as_ref().map(|b| b.0);
        // Evaluate and, when it is the best yet, save the checkpoint's
        // weights before the live ones come back.
        let (score, eval, saved) = self.with_checkpoint_weights(|| {
            let (score, eval) = task.evaluate()?;
            let better = !has_dev || best.is_none_or(|b| score > b);
            if better {
                task.save(&eval)?;
            }
            Ok((score, eval, better))
        })?;
        tracing::info!(
            step,
            loss = self.ema,
            metric = F::METRIC,
            dev = score,
            "evaluated"
        );
        if saved {
            self.best = Some((score, step, eval));
            self.since_best = 0;
        } else {
            self.since_best += 1;
            if self.since_best >= patience {
                tracing::info!(step, "early stop: dev {} stopped improving", F::METRIC);
                return Ok(Next::Stop);
            }
        }
        Ok(Next::Continue)
    }

    /// What the run came to; a run that never evaluated (no steps) is
    /// evaluated and saved as it is.
    fn finish<F: Fit<Eval = E>>(mut self, task: &mut F) -> Result<Fitted<E>, TrainError> {
        let (_, best_step, best) = match self.best.take() {
            Some(b) => b,
            None => {
                let step = self.step;
                self.with_checkpoint_weights(|| {
                    let (score, eval) = task.evaluate()?;
                    task.save(&eval)?;
                    Ok((score, step, eval))
                })?
            }
        };
        Ok(Fitted {
            steps: self.step,
            best_step,
            best,
            losses: self.losses,
        })
    }
}

/// The loop every trainer shares: epochs of length-bucketed shuffled
/// batches, the warm-up/decay schedule, a smoothed loss on the progress bar,
/// a dev evaluation every `eval_every` steps that saves the best model, and
/// early stopping after `patience` evaluations without a better score.
pub(crate) fn fit<F: Fit>(
    task: &mut F,
    opts: &TrainOptions,
    encoded: &[Encoded],
    varmap: &VarMap,
    rng: &mut SplitMix64,
) -> Result<Fitted<F::Eval>, TrainError> {
    let sched = Schedule::new(encoded.len(), opts);
    let mut opt = optimizer(varmap, opts)?;
    let bar = progress_bar(sched.total, opts.progress);
    let weights = opts.ema.map(|d| Ema::new(varmap, d)).transpose()?;
    let mut run = Run::new(sched.total, weights);
    'outer: for _epoch in 0..opts.epochs.max(1) {
        for idx in epoch_batches(encoded, opts.batch_size.max(1), rng) {
            if run.step >= sched.total {
                break 'outer;
            }
            run.train_step(task, &mut opt, &idx, sched.lr(run.step, opts.lr))?;
            bar.inc(1);
            bar.set_message(run.message(F::METRIC));
            let due = run.step % sched.eval_every == 0 || run.step == sched.total;
            if due && run.checkpoint(task, opts.patience)? == Next::Stop {
                break 'outer;
            }
        }
    }
    bar.finish_and_clear();
    run.finish(task)
}

/// Steps, warm-up and evaluation cadence of one run: the same schedule for
/// every trainer.
struct Schedule {
    total: usize,
    warmup: usize,
    eval_every: usize,
}

impl Schedule {
    fn new(n_train: usize, opts: &TrainOptions) -> Self {
        let steps_per_epoch = n_train.div_ceil(opts.batch_size.max(1));
        let total = opts
            .max_steps
            .unwrap_or(usize::MAX)
            .min(steps_per_epoch * opts.epochs.max(1));
        Self {
            total,
            warmup: ((total as f64 * opts.warmup) as usize).max(1),
            eval_every: if opts.eval_every == 0 {
                steps_per_epoch
            } else {
                opts.eval_every
            },
        }
    }

    /// Linear warm-up to `peak`, then linear decay to zero at `total`.
    fn lr(&self, step: usize, peak: f64) -> f64 {
        if step < self.warmup {
            peak * (step + 1) as f64 / self.warmup as f64
        } else {
            peak * (self.total - step) as f64 / (self.total - self.warmup).max(1) as f64
        }
    }
}

/// AdamW over every variable of `varmap`.
fn optimizer(varmap: &VarMap, opts: &TrainOptions) -> Result<AdamW, TrainError> {
    Ok(AdamW::new(
        varmap.all_vars(),
        ParamsAdamW {
            lr: opts.lr,
            weight_decay: opts.weight_decay,
            ..Default::default()
        },
    )?)
}

/// The training progress bar (hidden when not on a terminal).
fn progress_bar(total: usize, on: bool) -> ProgressBar {
    let bar = if on {
        ProgressBar::new(total as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}

/// Length-bucketed, shuffled batches for one epoch: shuffle, cut into pools
/// of 50 batches, sort each pool by length, cut into batches, shuffle batches.
fn epoch_batches(encoded: &[Encoded], batch_size: usize, rng: &mut SplitMix64) -> Vec<Vec<usize>> {
    let mut idx: Vec<usize> = (0..encoded.len()).collect();
    rng.shuffle(&mut idx);
    let mut batches = Vec::new();
    for pool in idx.chunks(batch_size * 50) {
        let mut pool = pool.to_vec();
        pool.sort_by_key(|&i| encoded[i].ids.len());
        batches.extend(pool.chunks(batch_size).map(|c| c.to_vec()));
    }
    rng.shuffle(&mut batches);
    batches
}
