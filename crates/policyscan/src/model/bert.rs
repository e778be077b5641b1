//! A BERT encoder with a multi-label classification head, written against
//! candle with the tensor names of Hugging Face's
//! `BertForSequenceClassification` (`bert.embeddings.…`,
//! `bert.encoder.layer.N.…`, `bert.pooler.dense.…`, `classifier.…`), so any HF
//! BERT checkpoint loads here and our checkpoints load in `transformers`.
//!
//! Why not `candle_transformers::models::bert::BertModel`: its layer norm is
//! candle's fused op, which has no backward pass, so training through it
//! silently updates only the head. This encoder uses the differentiable
//! `layer_norm_slow` (and a differentiable softmax) while training and the
//! fused kernels for inference, where it also fuses Q/K/V into one
//! pre-transposed matmul. A test checks it against the candle reference model.
//! The heads on top of it (classification, token tagging, masked LM) are in
//! [`super::heads`] and re-exported here.

use std::cell::RefCell;

use candle_core::{D, DType, Result, Tensor};
use candle_nn::{Init, VarBuilder};

use super::config::ModelConfig;
use super::kernels;
use crate::rng::SplitMix64;

pub use super::heads::{BertClassifier, BertMaskedLm, BertTagger};

/// Seeded dropout used only in training, so that a training run with a fixed
/// seed is reproducible (candle's CPU RNG cannot be seeded).
pub struct Dropout {
    p: f32,
    rng: RefCell<SplitMix64>,
}

impl Dropout {
    /// Dropout with drop probability `p`.
    pub fn new(p: f32, seed: u64) -> Self {
        Self {
            p,
            rng: RefCell::new(SplitMix64::new(seed)),
        }
    }

    fn apply(&self, x: &Tensor) -> Result<Tensor> {
        if self.p <= 0.0 {
            return Ok(x.clone());
        }
        let n = x.elem_count();
        let keep = 1.0 / (1.0 - self.p);
        let p = self.p as f64;
        let mut rng = self.rng.borrow_mut();
        let mask: Vec<f32> = (0..n)
            .map(|_| if rng.next_f64() < p { 0.0 } else { keep })
            .collect();
        let mask = Tensor::from_vec(mask, x.shape(), x.device())?.to_dtype(x.dtype())?;
        x * mask
    }
}

pub(super) fn drop(x: Tensor, dropout: Option<&Dropout>) -> Result<Tensor> {
    match dropout {
        Some(d) => d.apply(&x),
        None => Ok(x),
    }
}

/// `y = x Wᵀ + b` over the last dimension. Keeps `Wᵀ` as its own tensor: a
/// view while training (so gradients reach `W`), a contiguous copy after
/// [`Linear::freeze`] for inference.
#[derive(Clone)]
pub(super) struct Linear {
    w: Tensor,
    b: Tensor,
    wt: Tensor,
    /// Host copy of the bias for the fused CPU kernel (set by `freeze`).
    b_host: Vec<f32>,
}

impl Linear {
    pub(super) fn load(vb: VarBuilder, d_in: usize, d_out: usize, init: f64) -> Result<Self> {
        let w = vb.get_with_hints(
            (d_out, d_in),
            "weight",
            Init::Randn {
                mean: 0.0,
                stdev: init,
            },
        )?;
        let b = vb.get_with_hints(d_out, "bias", Init::Const(0.0))?;
        Ok(Self {
            wt: w.t()?,
            w,
            b,
            b_host: Vec::new(),
        })
    }

    pub(super) fn freeze(&mut self) -> Result<()> {
        self.wt = self.w.t()?.contiguous()?;
        self.b_host = self.b.to_dtype(DType::F32)?.to_vec1()?;
        Ok(())
    }

    /// The fused CPU path: `x Wᵀ + b (+ residual)` in one kernel.
    pub(super) fn forward_fused(&self, x: &Tensor, residual: Option<&Tensor>) -> Result<Tensor> {
        kernels::linear(x, &self.wt, &self.b_host, residual)
    }

    pub(super) fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let dims = x.dims().to_vec();
        let d_in = *dims.last().expect("linear input has a last dimension");
        let rows = x.elem_count() / d_in;
        let y = x
            .reshape((rows, d_in))?
            .matmul(&self.wt)?
            .broadcast_add(&self.b)?;
        let mut out = dims;
        *out.last_mut().expect("non-empty dims") = self.wt.dim(1)?;
        y.reshape(out)
    }
}

#[derive(Clone)]
pub(super) struct LayerNorm {
    w: Tensor,
    b: Tensor,
    eps: f32,
}

impl LayerNorm {
    pub(super) fn load(vb: VarBuilder, size: usize, eps: f64) -> Result<Self> {
        Ok(Self {
            w: vb.get_with_hints(size, "weight", Init::Const(1.0))?,
            b: vb.get_with_hints(size, "bias", Init::Const(0.0))?,
            eps: eps as f32,
        })
    }

    pub(super) fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        if train {
            candle_nn::ops::layer_norm_slow(x, &self.w, &self.b, self.eps)
        } else {
            candle_nn::ops::layer_norm(&x.contiguous()?, &self.w, &self.b, self.eps)
        }
    }
}

#[derive(Clone)]
pub(super) struct Embeddings {
    pub(super) word: Tensor,
    position: Tensor,
    token_type: Tensor,
    ln: LayerNorm,
}

impl Embeddings {
    fn load(vb: VarBuilder, c: &ModelConfig) -> Result<Self> {
        let init = Init::Randn {
            mean: 0.0,
            stdev: c.initializer_range,
        };
        Ok(Self {
            word: vb.get_with_hints(
                (c.vocab_size, c.hidden_size),
                "word_embeddings.weight",
                init,
            )?,
            position: vb.get_with_hints(
                (c.max_position_embeddings, c.hidden_size),
                "position_embeddings.weight",
                init,
            )?,
            token_type: vb.get_with_hints(
                (c.type_vocab_size, c.hidden_size),
                "token_type_embeddings.weight",
                init,
            )?,
            ln: LayerNorm::load(vb.pp("LayerNorm"), c.hidden_size, c.layer_norm_eps)?,
        })
    }

    fn forward(
        &self,
        ids: &Tensor,
        type_ids: &Tensor,
        train: bool,
        dropout: Option<&Dropout>,
    ) -> Result<Tensor> {
        let (b, t) = ids.dims2()?;
        let h = self.word.dim(1)?;
        let words = self
            .word
            .index_select(&ids.flatten_all()?, 0)?
            .reshape((b, t, h))?;
        let types = self
            .token_type
            .index_select(&type_ids.flatten_all()?, 0)?
            .reshape((b, t, h))?;
        let pos = self.position.narrow(0, 0, t)?;
        let x = (words + types)?.broadcast_add(&pos)?;
        drop(self.ln.forward(&x, train)?, dropout)
    }
}

#[derive(Clone)]
struct Layer {
    q: Linear,
    k: Linear,
    v: Linear,
    /// Q, K and V fused into one pre-transposed `[H, 3H]` matmul (inference).
    qkv: Option<Linear>,
    attn_out: Linear,
    attn_ln: LayerNorm,
    inter: Linear,
    out: Linear,
    out_ln: LayerNorm,
    heads: usize,
}

impl Layer {
    fn load(vb: VarBuilder, c: &ModelConfig) -> Result<Self> {
        let h = c.hidden_size;
        let r = c.initializer_range;
        let a = vb.pp("attention");
        Ok(Self {
            q: Linear::load(a.pp("self").pp("query"), h, h, r)?,
            k: Linear::load(a.pp("self").pp("key"), h, h, r)?,
            v: Linear::load(a.pp("self").pp("value"), h, h, r)?,
            qkv: None,
            attn_out: Linear::load(a.pp("output").pp("dense"), h, h, r)?,
            attn_ln: LayerNorm::load(a.pp("output").pp("LayerNorm"), h, c.layer_norm_eps)?,
            inter: Linear::load(vb.pp("intermediate").pp("dense"), h, c.intermediate_size, r)?,
            out: Linear::load(vb.pp("output").pp("dense"), c.intermediate_size, h, r)?,
            out_ln: LayerNorm::load(vb.pp("output").pp("LayerNorm"), h, c.layer_norm_eps)?,
            heads: c.num_attention_heads,
        })
    }

    fn freeze(&mut self) -> Result<()> {
        for l in [
            &mut self.q,
            &mut self.k,
            &mut self.v,
            &mut self.attn_out,
            &mut self.inter,
            &mut self.out,
        ] {
            l.freeze()?;
        }
        let w = Tensor::cat(&[&self.q.w, &self.k.w, &self.v.w], 0)?;
        let b = Tensor::cat(&[&self.q.b, &self.k.b, &self.v.b], 0)?;
        let mut qkv = Linear {
            wt: w.t()?,
            w,
            b,
            b_host: Vec::new(),
        };
        qkv.freeze()?;
        self.qkv = Some(qkv);
        Ok(())
    }

    /// One encoder layer. With [`Mask::Keys`] (frozen model, CPU inference)
    /// attention, GELU and the linear layers run through the fused
    /// [`kernels`]; otherwise candle's stock (differentiable, portable) ops.
    fn forward(
        &self,
        x: &Tensor,
        mask: &Mask,
        train: bool,
        dropout: Option<&Dropout>,
    ) -> Result<Tensor> {
        let additive = match (mask, &self.qkv) {
            (Mask::Keys(keys), Some(qkv)) => {
                let ctx = kernels::attention(&qkv.forward_fused(x, None)?, keys, self.heads)?;
                let attn = self.attn_out.forward_fused(&ctx, Some(x))?;
                let attn = self.attn_ln.forward(&attn, false)?;
                let inter = kernels::gelu_erf(self.inter.forward_fused(&attn, None)?)?;
                let out = self.out.forward_fused(&inter, Some(&attn))?;
                return self.out_ln.forward(&out, false);
            }
            (Mask::Keys(_), None) => candle_core::bail!("fused kernels need a frozen model"),
            (Mask::Additive(m), _) => m,
        };
        let ctx = self.attention_stock(x, additive, train, dropout)?;
        let attn = drop(self.attn_out.forward(&ctx)?, dropout)?;
        let attn = self.attn_ln.forward(&(attn + x)?, train)?;
        let inter = self.inter.forward(&attn)?.gelu_erf()?;
        let out = drop(self.out.forward(&inter)?, dropout)?;
        self.out_ln.forward(&(out + attn)?, train)
    }

    /// Attention with candle's stock ops: differentiable, any device.
    fn attention_stock(
        &self,
        x: &Tensor,
        mask: &Tensor,
        train: bool,
        dropout: Option<&Dropout>,
    ) -> Result<Tensor> {
        let (b, t, h) = x.dims3()?;
        let hd = h / self.heads;
        let split = |y: Tensor| -> Result<Tensor> {
            y.reshape((b, t, self.heads, hd))?
                .transpose(1, 2)?
                .contiguous()
        };
        let (q, k, v) = match (&self.qkv, train) {
            (Some(qkv), false) => {
                let y = qkv.forward(x)?;
                (
                    split(y.narrow(2, 0, h)?)?,
                    split(y.narrow(2, h, h)?)?,
                    split(y.narrow(2, 2 * h, h)?)?,
                )
            }
            _ => (
                split(self.q.forward(x)?)?,
                split(self.k.forward(x)?)?,
                split(self.v.forward(x)?)?,
            ),
        };
        let scores = (q.matmul(&k.t()?)? / (hd as f64).sqrt())?.broadcast_add(mask)?;
        let probs = if train {
            candle_nn::ops::softmax(&scores, D::Minus1)?
        } else {
            candle_nn::ops::softmax_last_dim(&scores)?
        };
        let probs = drop(probs, dropout)?;
        probs
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((b, t, h))
    }
}

/// The attention mask in the form the layers' attention path reads.
enum Mask {
    /// `[b, t]`, 1 = token, 0 = padding: the fused CPU kernels'.
    Keys(Tensor),
    /// `[b, 1, 1, t]`, 0 for tokens and a large negative number for
    /// padding, broadcast over heads and query positions: the stock path's.
    Additive(Tensor),
}

/// The BERT encoder (`BertModel` without its pooler): embeddings and the
/// layer stack. Shared by the sequence classifier and the token tagger.
#[derive(Clone)]
pub struct BertEncoder {
    pub(super) embeddings: Embeddings,
    layers: Vec<Layer>,
    /// Whether CPU inference uses the fused [`kernels`] (on after
    /// [`BertEncoder::freeze`]; off only to benchmark against stock ops).
    pub(super) fused_kernels: bool,
}

/// Where the encoder's tensors sit: under `bert.` (task checkpoints, as
/// `transformers` saves them, and new models) or at the root (a bare
/// `BertModel` checkpoint).
pub(super) fn encoder_root<'a>(vb: &VarBuilder<'a>) -> VarBuilder<'a> {
    if vb.contains_tensor("bert.embeddings.word_embeddings.weight")
        || !vb.contains_tensor("embeddings.word_embeddings.weight")
    {
        vb.pp("bert")
    } else {
        vb.clone()
    }
}

impl BertEncoder {
    /// Build from a var builder rooted at the encoder (`embeddings.…`,
    /// `encoder.layer.N.…`).
    pub fn load(enc: VarBuilder, c: &ModelConfig) -> Result<Self> {
        let embeddings = Embeddings::load(enc.pp("embeddings"), c)?;
        let layers = (0..c.num_hidden_layers)
            .map(|i| Layer::load(enc.pp(format!("encoder.layer.{i}")), c))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            embeddings,
            layers,
            fused_kernels: false,
        })
    }

    /// Prepare for inference: contiguous transposed weights, fused QKV and
    /// the fused CPU kernels.
    pub fn freeze(&mut self) -> Result<()> {
        for l in &mut self.layers {
            l.freeze()?;
        }
        self.fused_kernels = true;
        Ok(())
    }

    /// Last hidden states `[batch, seq, hidden]` for token ids `[batch,
    /// seq]` (u32), segment ids of the same shape and an attention mask (1 =
    /// token, 0 = padding).
    pub fn forward(
        &self,
        ids: &Tensor,
        type_ids: &Tensor,
        attention_mask: &Tensor,
        train: bool,
        dropout: Option<&Dropout>,
    ) -> Result<Tensor> {
        let keys = attention_mask.to_dtype(self.embeddings.word.dtype())?;
        let mask = if self.fused_kernels && !train && keys.device().is_cpu() {
            Mask::Keys(keys)
        } else {
            let (b, t) = keys.dims2()?;
            Mask::Additive(((keys - 1.0)? * 10_000.0)?.reshape((b, 1, 1, t))?)
        };
        let mut x = self.embeddings.forward(ids, type_ids, train, dropout)?;
        for layer in &self.layers {
            x = layer.forward(&x, &mask, train, dropout)?;
        }
        Ok(x)
    }
}

/// DType the model runs in (f32 everywhere: the small model gains nothing from
/// half precision on CPU and the comparison with PyTorch stays exact).
pub const DTYPE: DType = DType::F32;
