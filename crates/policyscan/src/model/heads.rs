//! The heads on the shared encoder, each under Hugging Face's tensor names:
//! sequence classification (the segment classifier), token classification
//! (the data-mention tagger) and the masked-LM head (pre-training). One
//! encoder, three heads, so a pre-trained encoder starts either model.

use candle_core::{Result, Tensor};
use candle_nn::{Init, VarBuilder};

use super::bert::{BertEncoder, Dropout, LayerNorm, Linear, drop, encoder_root};
use super::config::ModelConfig;

/// `BertForSequenceClassification`: encoder, pooler (`tanh` over `[CLS]`)
/// and a linear head with one logit per label.
#[derive(Clone)]
pub struct BertClassifier {
    encoder: BertEncoder,
    pooler: Linear,
    head: Linear,
    num_labels: usize,
}

impl BertClassifier {
    /// Build from a var builder rooted at the checkpoint root. Accepts both
    /// `bert.`-prefixed (sequence-classification / pre-training) checkpoints
    /// and bare `BertModel` ones.
    pub fn load(vb: VarBuilder, c: &ModelConfig, num_labels: usize) -> Result<Self> {
        let enc = encoder_root(&vb);
        let encoder = BertEncoder::load(enc.clone(), c)?;
        let pooler = Linear::load(
            enc.pp("pooler").pp("dense"),
            c.hidden_size,
            c.hidden_size,
            c.initializer_range,
        )?;
        let head = Linear::load(
            vb.pp("classifier"),
            c.hidden_size,
            num_labels,
            c.initializer_range,
        )?;
        Ok(Self {
            encoder,
            pooler,
            head,
            num_labels,
        })
    }

    /// Prepare for inference: contiguous transposed weights and fused QKV.
    /// Call once after loading; training must not call it.
    pub fn freeze(&mut self) -> Result<()> {
        self.encoder.freeze()?;
        self.pooler.freeze()?;
        self.head.freeze()
    }

    /// Switch the fused CPU kernels off (candle's stock ops) or back on, so
    /// benchmarks can compare the two paths side by side in one run.
    pub fn set_fused_kernels(&mut self, on: bool) {
        self.encoder.fused_kernels = on;
    }

    /// Number of logits per input.
    pub fn num_labels(&self) -> usize {
        self.num_labels
    }

    /// Logits `[batch, num_labels]` for token ids `[batch, seq]` (u32),
    /// segment ids of the same shape, and an attention mask (1 = token,
    /// 0 = padding, f32). `dropout` is `Some` only while training.
    pub fn forward(
        &self,
        ids: &Tensor,
        type_ids: &Tensor,
        attention_mask: &Tensor,
        train: bool,
        dropout: Option<&Dropout>,
    ) -> Result<Tensor> {
        let x = self.encode(ids, type_ids, attention_mask, train, dropout)?;
        let cls = x.narrow(1, 0, 1)?.squeeze(1)?;
        let pooled = self.pooler.forward(&cls)?.tanh()?;
        let pooled = drop(pooled, dropout)?;
        self.head.forward(&pooled)
    }

    /// The encoder's last hidden states `[batch, seq, hidden]` (what
    /// `BertModel` returns), before pooling.
    pub fn encode(
        &self,
        ids: &Tensor,
        type_ids: &Tensor,
        attention_mask: &Tensor,
        train: bool,
        dropout: Option<&Dropout>,
    ) -> Result<Tensor> {
        self.encoder
            .forward(ids, type_ids, attention_mask, train, dropout)
    }
}

/// `BertForTokenClassification`: the encoder and a linear head giving one
/// logit per label for every token (no pooler, as `transformers` builds it).
#[derive(Clone)]
pub struct BertTagger {
    encoder: BertEncoder,
    head: Linear,
}

impl BertTagger {
    /// Build from a var builder rooted at the checkpoint root (`bert.…` and
    /// `classifier.…`, or a bare `BertModel` plus `classifier.…`).
    pub fn load(vb: VarBuilder, c: &ModelConfig, num_labels: usize) -> Result<Self> {
        let encoder = BertEncoder::load(encoder_root(&vb), c)?;
        let head = Linear::load(
            vb.pp("classifier"),
            c.hidden_size,
            num_labels,
            c.initializer_range,
        )?;
        Ok(Self { encoder, head })
    }

    /// Prepare for inference (see [`BertClassifier::freeze`]).
    pub fn freeze(&mut self) -> Result<()> {
        self.encoder.freeze()?;
        self.head.freeze()
    }

    /// Logits `[batch, seq, num_labels]`; arguments as
    /// [`BertClassifier::forward`].
    pub fn forward(
        &self,
        ids: &Tensor,
        type_ids: &Tensor,
        attention_mask: &Tensor,
        train: bool,
        dropout: Option<&Dropout>,
    ) -> Result<Tensor> {
        let x = self
            .encoder
            .forward(ids, type_ids, attention_mask, train, dropout)?;
        self.head.forward(&drop(x, dropout)?)
    }
}

/// `BertForMaskedLM` (encoder and `cls.predictions.…` head, decoder tied to
/// the word embeddings, as `transformers` ties them): the pre-training model
/// of `policyscan pretrain`. Only training uses it; the classifier and the
/// tagger later load its encoder and drop the head.
#[derive(Clone)]
pub struct BertMaskedLm {
    encoder: BertEncoder,
    transform: Linear,
    ln: LayerNorm,
    bias: Tensor,
}

impl BertMaskedLm {
    /// Build from a var builder rooted at the checkpoint root.
    pub fn load(vb: VarBuilder, c: &ModelConfig) -> Result<Self> {
        let encoder = BertEncoder::load(encoder_root(&vb), c)?;
        let p = vb.pp("cls").pp("predictions");
        let h = c.hidden_size;
        Ok(Self {
            encoder,
            transform: Linear::load(p.pp("transform").pp("dense"), h, h, c.initializer_range)?,
            ln: LayerNorm::load(p.pp("transform").pp("LayerNorm"), h, c.layer_norm_eps)?,
            bias: p.get_with_hints(c.vocab_size, "bias", Init::Const(0.0))?,
        })
    }

    /// Vocabulary logits `[positions, vocab]` at the flat token positions
    /// `positions` (`row * width + column`, u32) of the batch: the head runs
    /// only where a token was masked, which keeps the vocabulary-sized
    /// matmul small.
    pub fn forward(
        &self,
        ids: &Tensor,
        type_ids: &Tensor,
        attention_mask: &Tensor,
        positions: &Tensor,
        train: bool,
        dropout: Option<&Dropout>,
    ) -> Result<Tensor> {
        let x = self
            .encoder
            .forward(ids, type_ids, attention_mask, train, dropout)?;
        let (b, t, h) = x.dims3()?;
        let x = x.reshape((b * t, h))?.index_select(positions, 0)?;
        let x = self.transform.forward(&x)?.gelu_erf()?;
        let x = self.ln.forward(&x, train)?;
        x.matmul(&self.encoder.embeddings.word.t()?)?
            .broadcast_add(&self.bias)
    }
}
