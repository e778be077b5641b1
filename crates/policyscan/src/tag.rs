//! Data-mention tagging: a BERT token classifier (`BertForTokenClassification`,
//! BIO labels `O`, `B-data`, `I-data`) that marks personal-data phrases the
//! way human annotators mark them — whole enumerations (`头像、昵称、密码`),
//! descriptive phrases (`在第三方平台注册的公开信息`) and references
//! (`这些信息`) — which no lexicon can reproduce span for span. Its spans
//! become `data_mention` entities; the lexicon's canonical `data_type` rows
//! stay as they are (see [`crate::extract`]).
//!
//! The default tagger ships in `models/policy-tagger-zh/` and is compiled in,
//! like the classifier. It is trained by `policyscan train-tagger` (in
//! `policyscan-lab`) on the CA4P `data` spans built by `policyscan dataset`.

use std::path::Path;

use candle_core::Device;
use rayon::prelude::*;

use crate::model::batch::{Batch, Batcher, Encoded};
use crate::model::bert::BertTagger;
use crate::model::config::ModelConfig;
use crate::model::{
    InferenceError, ModelError, ModelFiles, parse_config, parse_tokenizer, tensor_shapes,
    weights_builder,
};

/// The tagger's window in tokens: a whole segment (`scan` cuts segments at
/// 200 characters) plus `[CLS]` and `[SEP]`.
pub const WINDOW: usize = 256;

/// Tag names in head order.
pub const TAGS: [&str; 3] = ["O", "B-data", "I-data"];
const B: usize = 1;
const I: usize = 2;

/// The default tagger, compiled into the binary.
pub mod embedded {
    /// `config.json` of `models/policy-tagger-zh`.
    pub const CONFIG: &[u8] = include_bytes!("../../../models/policy-tagger-zh/config.json");
    /// `tokenizer.json` of `models/policy-tagger-zh`.
    pub const TOKENIZER: &[u8] = include_bytes!("../../../models/policy-tagger-zh/tokenizer.json");
    /// `model.safetensors` of `models/policy-tagger-zh`.
    pub const WEIGHTS: &[u8] = include_bytes!("../../../models/policy-tagger-zh/model.safetensors");
}

/// The built-in tagger's three files.
pub fn embedded_files() -> ModelFiles {
    ModelFiles {
        config: embedded::CONFIG.to_vec(),
        tokenizer: embedded::TOKENIZER.to_vec(),
        weights: embedded::WEIGHTS.to_vec(),
    }
}

/// Char spans from per-token tags: a span opens at `B` (or at an `I` after
/// `O`, as seqeval does) and runs over the following `I`s.
pub fn decode_spans(tags: &[usize], offsets: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut open = false;
    for (&t, &(s, e)) in tags.iter().zip(offsets) {
        if s == e {
            open = false;
            continue;
        }
        match t {
            B => {
                out.push((s, e));
                open = true;
            }
            I if open => {
                if let Some(last) = out.last_mut() {
                    last.1 = e;
                }
            }
            I => {
                out.push((s, e));
                open = true;
            }
            _ => open = false,
        }
    }
    out
}

/// The most likely *valid* BIO sequence (no `I` after `O` or at the start)
/// under per-token log-probabilities `[n][3]`, by Viterbi. Arg-max per token
/// breaks long enumerations wherever one token's `O` narrowly wins; the
/// sequence view keeps a span open when closing and reopening it is less
/// likely overall.
pub fn viterbi(logp: &[[f32; 3]]) -> Vec<usize> {
    let n = logp.len();
    if n == 0 {
        return Vec::new();
    }
    let allowed = |from: usize, to: usize| !(to == I && from == 0);
    let mut score = [logp[0][0], logp[0][B], f32::NEG_INFINITY];
    let mut back = vec![[0usize; 3]; n];
    for t in 1..n {
        let mut next = [f32::NEG_INFINITY; 3];
        for to in 0..3 {
            for (from, &prev) in score.iter().enumerate() {
                if allowed(from, to) && prev + logp[t][to] > next[to] {
                    next[to] = prev + logp[t][to];
                    back[t][to] = from;
                }
            }
        }
        score = next;
    }
    let mut best = (0..3)
        .max_by(|&a, &b| score[a].total_cmp(&score[b]))
        .unwrap_or(0);
    let mut out = vec![0; n];
    for t in (0..n).rev() {
        out[t] = best;
        best = back[t][best];
    }
    out
}

/// Drop separators a span can only pick up at its edges (`手机号码、`,
/// `）、会员信息`, `账户名称、微信号_`): annotators never start or end a data
/// phrase with enumeration commas, stops, an unmatched bracket or the
/// Markdown emphasis marks (`*`, `_`) of a policy converted from a web page.
/// Spans left shorter than two characters vanish.
pub fn trim_spans(text: &str, spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    trim_chars(&text.chars().collect::<Vec<_>>(), spans)
}

fn trim_chars(chars: &[char], spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    const EDGE: &str = "、，,。；;：: \u{3000}\t*_＊";
    const TAIL: &str = "和及或的";
    let n = chars.len();
    spans
        .iter()
        .filter_map(|&(a, b)| {
            let (mut a, mut b) = (a.min(n), b.min(n));
            loop {
                let before = (a, b);
                while a < b && (EDGE.contains(chars[a]) || "）)".contains(chars[a])) {
                    a += 1;
                }
                while a < b && (EDGE.contains(chars[b - 1]) || "（(".contains(chars[b - 1])) {
                    b -= 1;
                }
                // A conjunction or `的` never ends a data phrase (`操作系统和`,
                // `账号及`): on the training policies such spans were never gold.
                if a < b && TAIL.contains(chars[b - 1]) {
                    b -= 1;
                    if a < b && chars[b] == '及' && chars[b - 1] == '以' {
                        b -= 1;
                    }
                }
                // A closing bracket at the end stays only when it closes one
                // opened inside the span.
                if a < b && "）)".contains(chars[b - 1]) {
                    let inner = &chars[a..b - 1];
                    if !inner.iter().any(|c| "（(".contains(*c)) {
                        b -= 1;
                    }
                }
                if (a, b) == before {
                    break;
                }
            }
            // One character is never a data phrase (`真`, `个`): the
            // tagger's stray fragments.
            (b - a >= 2).then_some((a, b))
        })
        .collect()
}

/// Join predicted spans that only an enumeration comma separates
/// (`手机号码` `、` `身份证号码` → one span): CA4P's annotators mark a
/// list of data items as one phrase, and the tagger sometimes breaks it.
/// Measured on the dev policies with the previous tagger (`policyscan eval
/// --tag-data build/data/tag_dev.jsonl`): exact-span F1 0.383 → 0.401.
pub fn join_enumerations(text: &str, spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    join_chars(&text.chars().collect::<Vec<_>>(), spans)
}

fn join_chars(chars: &[char], spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for &(a, b) in spans {
        match out.last_mut() {
            Some(last) if a == last.1 + 1 && chars.get(last.1) == Some(&'、') => last.1 = b,
            _ => out.push((a, b)),
        }
    }
    out
}

/// Two-character words a data phrase never starts or ends inside of
/// (`位置信|息`, `手机号|码`): the tagger's most common boundary slip. On the
/// training policies, a predicted span ending between `信` and `息` was
/// never a gold span and was one char short of one 144 times.
const WORDS: &[&str] = &[
    "信息", "号码", "数据", "记录", "内容", "账号", "帐号", "账户", "帐户", "方式", "位置", "电话",
    "地址", "习惯", "情况", "照片", "结果", "名称", "时间", "日期", "类型", "型号", "版本", "设备",
    "状态", "昵称", "头像", "密码", "邮箱",
];

/// Extend spans that cut one of `WORDS` in two, by the one missing char.
pub fn complete_words(text: &str, spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    complete_chars(&text.chars().collect::<Vec<_>>(), spans)
}

fn complete_chars(chars: &[char], spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let cuts = |i: usize| {
        // Is there a word of WORDS made of chars[i - 1] and chars[i]?
        i > 0
            && i < chars.len()
            && WORDS.iter().any(|w| {
                let mut c = w.chars();
                c.next() == Some(chars[i - 1]) && c.next() == Some(chars[i])
            })
    };
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for &(a, b) in spans {
        let b = if b < chars.len() && cuts(b) { b + 1 } else { b };
        let mut a = if cuts(a) { a - 1 } else { a };
        // Never overlap the previous span.
        if let Some(last) = out.last()
            && a < last.1
        {
            a = last.1;
        }
        if a < b {
            out.push((a, b));
        }
    }
    out
}

/// The tagger's spans as reported: edges trimmed ([`trim_spans`]), words
/// completed ([`complete_words`]), then enumerations joined
/// ([`join_enumerations`]).
pub fn tidy_spans(text: &str, spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    if spans.is_empty() {
        return Vec::new();
    }
    // One char index per segment for all steps.
    let chars: Vec<char> = text.chars().collect();
    join_chars(&chars, &complete_chars(&chars, &trim_chars(&chars, spans)))
}

/// `(input index, best valid tags)` for each row of one padded batch,
/// padding cut off: the model's log-probabilities decoded by [`viterbi`].
pub fn batch_tags(
    model: &BertTagger,
    b: &Batch,
    device: &Device,
) -> candle_core::Result<Vec<(usize, Vec<usize>)>> {
    let t = b
        .tensors(device)
        .map_err(|e| candle_core::Error::Msg(e.0))?;
    let logp = candle_nn::ops::log_softmax(
        &model.forward(&t.ids, &t.type_ids, &t.mask, false, None)?,
        candle_core::D::Minus1,
    )?
    .to_vec3::<f32>()?;
    Ok(b.index
        .iter()
        .zip(logp)
        .enumerate()
        .map(|(r, (&i, row))| {
            let n = b.mask[r * b.width..(r + 1) * b.width]
                .iter()
                .filter(|&&m| m > 0.5)
                .count();
            let lp: Vec<[f32; 3]> = row[..n].iter().map(|p| [p[0], p[1], p[2]]).collect();
            (i, viterbi(&lp))
        })
        .collect())
}

/// A loaded tagger, usable from many threads at once.
pub struct Tagger {
    model: BertTagger,
    batcher: Batcher,
    device: Device,
}

impl Tagger {
    /// Load a tagger directory in the Hugging Face layout.
    pub fn from_dir(dir: &Path, max_tokens: usize) -> Result<Self, ModelError> {
        let files = ModelFiles::read_dir(dir)?;
        Self::from_files(files, &dir.display().to_string(), max_tokens, &Device::Cpu)
    }

    /// The default tagger compiled into the binary, on the CPU.
    pub fn embedded(max_tokens: usize) -> Result<Self, ModelError> {
        Self::from_files(
            embedded_files(),
            "built-in tagger",
            max_tokens,
            &Device::Cpu,
        )
    }

    /// Load from the three files' bytes onto `device`.
    pub fn from_files(
        files: ModelFiles,
        source_name: &str,
        max_tokens: usize,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let config = parse_config(&files.config, source_name)?;
        check_tags(&config, source_name)?;
        let tokenizer = parse_tokenizer(&files.tokenizer, source_name)?;
        let shapes = tensor_shapes(&files.weights, source_name)?;
        match shapes.get("classifier.weight").map(|s| s[0]) {
            Some(n) if n == TAGS.len() => {}
            found => {
                return Err(ModelError::Labels {
                    source_name: source_name.into(),
                    reason: format!(
                        "a tagger needs a `classifier.weight` with {} rows (one per tag), found {found:?}",
                        TAGS.len()
                    ),
                });
            }
        }
        let vb = weights_builder(files.weights, device, source_name)?;
        let shape = |e: candle_core::Error| ModelError::Shape {
            source_name: source_name.into(),
            reason: e.to_string(),
        };
        let mut model = BertTagger::load(vb, &config, TAGS.len()).map_err(shape)?;
        model.freeze().map_err(shape)?;
        Ok(Self {
            model,
            batcher: Batcher::new(tokenizer, max_tokens.min(config.max_position_embeddings)),
            device: device.clone(),
        })
    }

    /// Data-mention spans (char offsets) of each text, in input order.
    /// Texts are tokenised and batched by length like [`crate::classify`]'s
    /// inputs, and batches run in parallel on rayon's pool. Text past the
    /// model window is not tagged.
    pub fn tag(
        &self,
        texts: &[&str],
        batch_size: usize,
    ) -> Result<Vec<Vec<(usize, usize)>>, InferenceError> {
        let encoded = texts
            .par_iter()
            .map(|t| self.batcher.encode_text(t))
            .collect::<Result<Vec<_>, _>>()
            .map_err(InferenceError::tagger)?;
        let (enc, offsets): (Vec<Encoded>, Vec<Vec<(usize, usize)>>) = encoded.into_iter().unzip();
        let tags = self.tags(&enc, batch_size)?;
        Ok(tags
            .iter()
            .zip(&offsets)
            .zip(texts)
            .map(|((t, o), text)| tidy_spans(text, &decode_spans(t, o)))
            .collect())
    }

    /// Best valid tag sequence ([`viterbi`]) of each encoded text.
    pub fn tags(
        &self,
        encoded: &[Encoded],
        batch_size: usize,
    ) -> Result<Vec<Vec<usize>>, InferenceError> {
        let batches = self.batcher.batches(encoded, batch_size);
        let results = batches
            .par_iter()
            .map(|b| batch_tags(&self.model, b, &self.device))
            .collect::<Result<Vec<_>, _>>()
            .map_err(InferenceError::tagger)?;
        let mut out = vec![Vec::new(); encoded.len()];
        for (i, tags) in results.into_iter().flatten() {
            out[i] = tags;
        }
        Ok(out)
    }

    /// The batcher (tokeniser and window) this tagger uses.
    pub fn batcher(&self) -> &Batcher {
        &self.batcher
    }
}

/// The config must name our three tags, in order.
fn check_tags(config: &ModelConfig, source_name: &str) -> Result<(), ModelError> {
    let labels = config.labels().map_err(|reason| ModelError::Labels {
        source_name: source_name.into(),
        reason,
    })?;
    if labels != TAGS {
        return Err(ModelError::Labels {
            source_name: source_name.into(),
            reason: format!(
                "a tagger's id2label must be {TAGS:?} (BIO over `data`), found {labels:?}"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimming_drops_edge_separators_and_unmatched_brackets() {
        let text = "手机号码、相册（图片库）、会员信息）";
        assert_eq!(trim_spans(text, &[(0, 5)]), vec![(0, 4)]);
        assert_eq!(trim_spans(text, &[(5, 12)]), vec![(5, 12)]); // 相册（图片库）
        assert_eq!(trim_spans(text, &[(11, 18)]), vec![(13, 17)]); // ）、会员信息）
        assert_eq!(trim_spans(text, &[(4, 5)]), vec![]);
        assert_eq!(trim_spans(text, &[(0, 1)]), vec![]);
    }

    #[test]
    fn trimming_drops_edge_markdown_marks() {
        let text = "提供您运营的 ** _账户名称、微信号_** 等";
        // `账户名称、微信号_**` → `账户名称、微信号`; `_` inside a span stays.
        assert_eq!(trim_spans(text, &[(11, 22)]), vec![(11, 19)]);
        assert_eq!(trim_spans(text, &[(7, 19)]), vec![(11, 19)]);
        let text = "邮箱 user_name 与 *手机号*";
        assert_eq!(trim_spans(text, &[(3, 12)]), vec![(3, 12)]);
        assert_eq!(trim_spans(text, &[(15, 20)]), vec![(16, 19)]);
    }

    #[test]
    fn trailing_conjunctions_are_dropped() {
        let text = "操作系统和设备型号以及";
        assert_eq!(trim_spans(text, &[(0, 5)]), vec![(0, 4)]); // 操作系统和
        assert_eq!(trim_spans(text, &[(5, 11)]), vec![(5, 9)]); // 设备型号以及
        assert_eq!(trim_spans(text, &[(5, 9)]), vec![(5, 9)]);
    }

    #[test]
    fn words_cut_in_two_are_completed() {
        let text = "您的位置信息和手机号码";
        // 位置信|息 and 手机号|码 end inside a word; 置信息 starts inside one.
        assert_eq!(complete_words(text, &[(2, 5)]), vec![(2, 6)]);
        assert_eq!(complete_words(text, &[(7, 10)]), vec![(7, 11)]);
        assert_eq!(complete_words(text, &[(3, 6)]), vec![(2, 6)]);
        // Whole words stay as they are, and spans never grow into each other.
        assert_eq!(complete_words(text, &[(2, 6)]), vec![(2, 6)]);
        assert_eq!(
            complete_words("位置信息", &[(0, 1), (1, 4)]),
            vec![(0, 2), (2, 4)]
        );
        // The last char of the text is never passed.
        assert_eq!(complete_words("位置信", &[(0, 3)]), vec![(0, 3)]);
    }

    #[test]
    fn enumerations_are_joined_only_across_a_list_comma() {
        let text = "手机号码、身份证号码和住址，以及设备信息";
        // 手机号码 | 身份证号码 → one span; 和 and ， keep spans apart.
        assert_eq!(
            tidy_spans(text, &[(0, 4), (5, 10), (11, 13), (16, 20)]),
            vec![(0, 10), (11, 13), (16, 20)]
        );
        // A comma inside a predicted span is trimmed, then joined back.
        assert_eq!(tidy_spans(text, &[(0, 5), (5, 10)]), vec![(0, 10)]);
    }

    #[test]
    fn viterbi_keeps_a_span_open_over_a_narrow_o() {
        let lp = |o: f32, b: f32, i: f32| [o.ln(), b.ln(), i.ln()];
        // B, then a token where O narrowly beats I, then a confident I.
        let seq = [lp(0.1, 0.8, 0.1), lp(0.5, 0.05, 0.45), lp(0.05, 0.05, 0.9)];
        let argmax: Vec<usize> = seq
            .iter()
            .map(|p| (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap())
            .collect();
        assert_eq!(argmax, vec![1, 0, 2]);
        assert_eq!(viterbi(&seq), vec![1, 2, 2]);
        // Never I after O or at the start.
        assert_eq!(viterbi(&[lp(0.4, 0.1, 0.5)]), vec![0]);
    }

    #[test]
    fn spans_open_at_b_and_at_a_stray_i() {
        // [CLS], four tokens, [SEP]: special tokens close any open span.
        let offsets = vec![(0, 0), (0, 2), (2, 3), (3, 5), (5, 6), (0, 0)];
        assert_eq!(
            decode_spans(&[0, 1, 2, 1, 0, 0], &offsets),
            vec![(0, 3), (3, 5)]
        );
        assert_eq!(decode_spans(&[0, 0, 2, 2, 0, 0], &offsets), vec![(2, 5)]);
        assert_eq!(
            decode_spans(&[0, 1, 2, 1, 2, 2], &offsets),
            vec![(0, 3), (3, 6)]
        );
    }
}
