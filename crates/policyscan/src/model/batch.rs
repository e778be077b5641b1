//! Tokenisation and length-bucketed batching, a stage of its own (as in
//! text-embeddings-inference): the model never sees strings, only padded id
//! matrices. Inputs are the pair `heading path [SEP] text`, so that a short
//! list item inherits the meaning of the section it sits in. Sorting by token
//! length before batching keeps padding — wasted matmul work — small.

use candle_core::{Device, Tensor};
use tokenizers::{Tokenizer, TruncationParams, TruncationStrategy};

/// A tokenizer or tensor failure while preparing a batch; the model that
/// owns the batcher wraps it in an [`super::InferenceError`] naming itself.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BatchError(pub String);

impl From<candle_core::Error> for BatchError {
    fn from(e: candle_core::Error) -> Self {
        BatchError(e.to_string())
    }
}

/// One segment to classify.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Section headings above the segment, outermost first.
    pub heading_path: &'a [String],
    /// The segment text.
    pub text: &'a str,
    /// The sentence that introduces the list this segment is an item of
    /// (its tail; see [`crate::segment::lead_ins`]), read only by models
    /// trained with it.
    pub lead_in: Option<&'a str>,
}

impl<'a> Input<'a> {
    /// The headings a classifier reads: the heading path without policy
    /// titles ([`crate::segment::is_policy_title`]). Readers label a line by
    /// its section, and a title is no section: a children's policy appended
    /// to the main one has the main one's sections, labelled by their own
    /// topics.
    pub fn sections(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.heading_path
            .iter()
            .map(String::as_str)
            .filter(|h| !crate::segment::is_policy_title(h))
    }
}

/// Token ids of one input, truncated to the model window.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    pub ids: Vec<u32>,
    pub type_ids: Vec<u32>,
}

/// A padded batch: the inputs' original indices and their id matrices.
pub struct Batch {
    /// Index of each row in the caller's input slice.
    pub index: Vec<usize>,
    /// Row-major `[rows, width]` token ids, padded with the pad id.
    pub ids: Vec<u32>,
    pub type_ids: Vec<u32>,
    /// 1 for tokens, 0 for padding.
    pub mask: Vec<f32>,
    pub rows: usize,
    pub width: usize,
}

/// Tensors of one batch, on a device.
pub struct BatchTensors {
    pub ids: Tensor,
    pub type_ids: Tensor,
    pub mask: Tensor,
}

impl Batch {
    /// Move the batch onto `device` as candle tensors.
    pub fn tensors(&self, device: &Device) -> Result<BatchTensors, BatchError> {
        let shape = (self.rows, self.width);
        Ok(BatchTensors {
            ids: Tensor::from_slice(&self.ids, shape, device)?,
            type_ids: Tensor::from_slice(&self.type_ids, shape, device)?,
            mask: Tensor::from_slice(&self.mask, shape, device)?,
        })
    }
}

/// Characters kept of each heading in the pair's first sequence: a section title says
/// what it is about early (`二、我们如何收集和使用您的个人信息` → `二、我们如何收集和使用您的个人`).
pub const HEADING_CHARS: usize = 16;

// Each part is cut to its first HEADING_CHARS characters; a lead-in is
// already its own last characters, so it must fit whole.
const _: () = assert!(crate::segment::LEAD_IN_CHARS <= HEADING_CHARS);

/// The first sequence of the pair: the parts (the sections of
/// [`Input::sections`], then the lead-in for models that read one), each cut
/// to [`HEADING_CHARS`], joined by `/`; when that is still longer than
/// `max_chars`, its outer part is dropped. Cutting each heading keeps the
/// top-level section (`…收集…`) of deeply nested paths, which cutting the
/// joined path dropped for 18 % of the training segments.
fn context_text<'a>(parts: impl Iterator<Item = &'a str>, max_chars: usize) -> String {
    let mut joined = String::new();
    let mut n = 0;
    for (i, h) in parts.enumerate() {
        if i > 0 {
            joined.push('/');
            n += 1;
        }
        for c in h.chars().take(HEADING_CHARS) {
            joined.push(c);
            n += 1;
        }
    }
    if n <= max_chars {
        joined
    } else {
        joined.chars().skip(n - max_chars).collect()
    }
}

/// Tokeniser plus batching policy.
#[derive(Clone)]
pub struct Batcher {
    tokenizer: Tokenizer,
    max_tokens: usize,
    pad_id: u32,
    lead_in: bool,
}

impl Batcher {
    /// `max_tokens` is the model window: longer pairs are truncated, the
    /// longer of the two sequences first.
    pub fn new(mut tokenizer: Tokenizer, max_tokens: usize) -> Self {
        let max_tokens = max_tokens.max(8);
        // Setting truncation only fails for a stride larger than the window.
        let _ = tokenizer.with_truncation(Some(TruncationParams {
            max_length: max_tokens,
            strategy: TruncationStrategy::LongestFirst,
            stride: 0,
            ..Default::default()
        }));
        tokenizer.with_padding(None);
        let pad_id = tokenizer.token_to_id("[PAD]").unwrap_or(0);
        Self {
            tokenizer,
            max_tokens,
            pad_id,
            lead_in: false,
        }
    }

    /// Read each input's lead-in after its heading path (for a model
    /// trained that way: [`super::config::ModelConfig::lead_in`]).
    pub fn with_lead_in(mut self, on: bool) -> Self {
        self.lead_in = on;
        self
    }

    /// The underlying tokenizer (saved next to trained models).
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// The model window in tokens.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    /// Tokenise one input.
    pub fn encode_one(&self, input: &Input<'_>) -> Result<Encoded, BatchError> {
        let lead_in = input.lead_in.filter(|_| self.lead_in);
        let parts = input.sections().chain(lead_in);
        let head = context_text(parts, self.max_tokens / 2);
        let enc = self
            .tokenizer
            .encode_fast((head.as_str(), input.text), true)
            .map_err(|e| BatchError(format!("tokenizer: {e}")))?;
        Ok(Encoded {
            ids: enc.get_ids().to_vec(),
            type_ids: enc.get_type_ids().to_vec(),
        })
    }

    /// Tokenise a lone text (no heading pair) for token tagging, with each
    /// token's char span in `text` (`(0, 0)` for `[CLS]`/`[SEP]`).
    pub fn encode_text(&self, text: &str) -> Result<(Encoded, Vec<(usize, usize)>), BatchError> {
        let enc = self
            .tokenizer
            .encode_char_offsets(text, true)
            .map_err(|e| BatchError(format!("tokenizer: {e}")))?;
        let offsets = enc
            .get_offsets()
            .iter()
            .zip(enc.get_special_tokens_mask())
            .map(|(&o, &special)| if special == 1 { (0, 0) } else { o })
            .collect();
        Ok((
            Encoded {
                ids: enc.get_ids().to_vec(),
                type_ids: enc.get_type_ids().to_vec(),
            },
            offsets,
        ))
    }

    /// Tokenise many inputs (in order).
    pub fn encode(&self, inputs: &[Input<'_>]) -> Result<Vec<Encoded>, BatchError> {
        inputs.iter().map(|i| self.encode_one(i)).collect()
    }

    /// Group encoded inputs into batches of at most `batch_size` rows, sorted
    /// by length so that each batch is padded only to its own longest row.
    pub fn batches(&self, encoded: &[Encoded], batch_size: usize) -> Vec<Batch> {
        let mut order: Vec<usize> = (0..encoded.len()).collect();
        order.sort_by_key(|&i| (encoded[i].ids.len(), i));
        order
            .chunks(batch_size.max(1))
            .map(|idx| self.pad(encoded, idx))
            .collect()
    }

    /// Pad the rows `idx` of `encoded` into one batch.
    pub fn pad(&self, encoded: &[Encoded], idx: &[usize]) -> Batch {
        let width = idx
            .iter()
            .map(|&i| encoded[i].ids.len())
            .max()
            .unwrap_or(1)
            .max(1);
        let rows = idx.len();
        let mut ids = vec![self.pad_id; rows * width];
        let mut type_ids = vec![0u32; rows * width];
        let mut mask = vec![0f32; rows * width];
        for (r, &i) in idx.iter().enumerate() {
            let e = &encoded[i];
            let o = r * width;
            ids[o..o + e.ids.len()].copy_from_slice(&e.ids);
            type_ids[o..o + e.type_ids.len()].copy_from_slice(&e.type_ids);
            mask[o..o + e.ids.len()].fill(1.0);
        }
        Batch {
            index: idx.to_vec(),
            ids,
            type_ids,
            mask,
            rows,
            width,
        }
    }
}
