//! A linear classifier over character n-grams: TF-IDF of the 1- to 3-grams
//! of `heading path > … | text`, one logistic regression per label. A
//! member may instead read fields ([`NgramField`]: path, text, lead-in, the
//! keyword rules…), each field's terms tagged with it (`fields`).
//!
//! Why it sits beside the BERT members: on policies it never saw it scores
//! about as well as the small BERTs do, and it errs on other segments, so
//! the mean of all three beats the BERTs' (cross-validated figures in the
//! model card). It reads the whole heading path, where the BERTs read its
//! last 128 characters (half their window), and costs microseconds per segment.
//!
//! A member directory holds `ngram.json` ([`NgramConfig`]: labels,
//! thresholds, the n-gram range, the fields and the vocabulary, in column
//! order) and
//! `ngram.safetensors` (`idf` `[V]`, `weight` `[labels, V]`, `bias`
//! `[labels]`, f32). The features are sklearn's `TfidfVectorizer(analyzer=
//! "char", sublinear_tf=True)`: lower-cased, tf = 1 + ln(count), times
//! idf, rows L2-normalised; except that every run of white space, even of
//! one character, becomes one space (sklearn keeps a lone tab or newline),
//! so that a line break inside a segment never makes n-grams of its own.

mod fields;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use safetensors::tensor::TensorView;
use serde::{Deserialize, Serialize};

use crate::labels::{LABELS, N_LABELS, thresholds_in_order};
use crate::model::batch::Input;
use crate::model::{ModelError, sigmoid};

use fields::{Block, blocks};
pub use fields::{NgramField, joined_text};

/// File name of an n-gram member's configuration and vocabulary.
pub const NGRAM_CONFIG: &str = "ngram.json";
/// File name of an n-gram member's weights.
pub const NGRAM_WEIGHTS: &str = "ngram.safetensors";
/// `model_type` of an n-gram member.
pub const NGRAM_MODEL_TYPE: &str = "char_ngram";

/// `ngram.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NgramConfig {
    /// Always [`NGRAM_MODEL_TYPE`]: says what the directory holds.
    pub model_type: String,
    /// Label of each weight row.
    pub labels: Vec<String>,
    /// Per-label thresholds for this member alone (label → threshold).
    #[serde(default)]
    pub thresholds: BTreeMap<String, f32>,
    /// Shortest and longest n-gram, in characters.
    pub min_n: usize,
    pub max_n: usize,
    /// The inverse regularisation strength it was trained with (a record;
    /// not read at inference).
    #[serde(default)]
    pub c: f64,
    /// The fields read, each field's terms behind its tag ([`NgramField`]);
    /// empty (and absent from the file) for the one joined text of the
    /// members trained before fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<NgramField>,
    /// Every n-gram with a column, in column order.
    pub vocab: Vec<String>,
}

/// An n-gram member's two files, as bytes.
pub struct NgramFiles {
    pub config: Vec<u8>,
    pub weights: Vec<u8>,
}

impl NgramFiles {
    /// Whether `dir` holds an n-gram member.
    pub fn is_ngram_dir(dir: &Path) -> bool {
        dir.join(NGRAM_CONFIG).is_file()
    }

    /// Read both files of an n-gram member directory.
    pub fn read_dir(dir: &Path) -> Result<Self, ModelError> {
        let read = |file: &'static str| -> Result<Vec<u8>, ModelError> {
            let path = dir.join(file);
            std::fs::read(&path).map_err(|e| ModelError::Ngram {
                source_name: dir.display().to_string(),
                file,
                reason: e.to_string(),
            })
        };
        Ok(Self {
            config: read(NGRAM_CONFIG)?,
            weights: read(NGRAM_WEIGHTS)?,
        })
    }
}

/// Lower-case and turn every run of white space into one space, as the
/// features are defined.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

/// Call `f` with every character n-gram of the normalised `text`
/// (`min_n ≤ n ≤ max_n`), each a slice of one buffer: scoring looks
/// n-grams up without allocating one string per n-gram.
fn for_each_ngram(text: &str, min_n: usize, max_n: usize, mut f: impl FnMut(&str)) {
    let norm = normalise(text);
    let bounds: Vec<usize> = norm
        .char_indices()
        .map(|(i, _)| i)
        .chain([norm.len()])
        .collect();
    let chars = bounds.len() - 1;
    for n in min_n.max(1)..=max_n {
        for i in 0..(chars + 1).saturating_sub(n) {
            f(&norm[bounds[i]..bounds[i + n]]);
        }
    }
}

/// Every character n-gram of `text` with `min_n ≤ n ≤ max_n`, with its
/// count.
pub fn ngram_counts(text: &str, min_n: usize, max_n: usize) -> HashMap<String, u32> {
    let mut counts = HashMap::new();
    for_each_ngram(text, min_n, max_n, |g| count(&mut counts, g));
    counts
}

/// Every tagged term `fields` reads of `input`, with its count (what
/// training builds its vocabulary from).
pub fn input_counts(
    input: &Input<'_>,
    fields: &[NgramField],
    min_n: usize,
    max_n: usize,
) -> HashMap<String, u32> {
    let mut counts = HashMap::new();
    for_each_term(input, fields, min_n, max_n, |t| count(&mut counts, t));
    counts
}

/// One more of `term`, allocating its key only the first time.
fn count(counts: &mut HashMap<String, u32>, term: &str) {
    match counts.get_mut(term) {
        Some(c) => *c += 1,
        None => {
            counts.insert(term.to_string(), 1);
        }
    }
}

/// Call `f` with every term `fields` reads of `input`: the n-grams of each
/// text field behind its tag, built in one buffer (untagged, for a member
/// without fields, as they are, not copied), and the rules' terms.
fn for_each_term(
    input: &Input<'_>,
    fields: &[NgramField],
    min_n: usize,
    max_n: usize,
    mut f: impl FnMut(&str),
) {
    for b in blocks(input, fields) {
        match b {
            Block::Chars("", text) => for_each_ngram(&text, min_n, max_n, &mut f),
            Block::Chars(tag, text) => {
                let mut key = String::from(tag);
                for_each_ngram(&text, min_n, max_n, |g| {
                    key.truncate(tag.len());
                    key.push_str(g);
                    f(&key);
                });
            }
            Block::Terms(terms) => terms.iter().for_each(|t| f(t)),
        }
    }
}

/// Sparse TF-IDF row from (column, count) pairs in any order: (column,
/// value), L2-normalised, columns ascending.
pub fn tfidf_row(mut counts: Vec<(u32, u32)>, idf: &[f32]) -> Vec<(u32, f32)> {
    counts.sort_unstable_by_key(|&(j, _)| j);
    let mut row: Vec<(u32, f32)> = counts
        .into_iter()
        .map(|(j, c)| (j, (1.0 + (c as f32).ln()) * idf[j as usize]))
        .collect();
    let norm = row.iter().map(|&(_, v)| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, v) in &mut row {
            *v /= norm;
        }
    }
    row
}

/// A loaded n-gram member.
pub struct NgramModel {
    config: NgramConfig,
    index: HashMap<String, u32>,
    idf: Vec<f32>,
    /// `[label][column]`, in [`LABELS`] order.
    weight: Vec<Vec<f32>>,
    bias: [f32; N_LABELS],
}

impl NgramModel {
    /// Assemble from trained parts; `weight` and `bias` in [`LABELS`] order.
    pub fn new(
        config: NgramConfig,
        idf: Vec<f32>,
        weight: Vec<Vec<f32>>,
        bias: [f32; N_LABELS],
    ) -> Self {
        let index = index_of(&config.vocab);
        Self {
            config,
            index,
            idf,
            weight,
            bias,
        }
    }

    /// Load from the two files' bytes; `source_name` names them in errors.
    pub fn load(files: &NgramFiles, source_name: &str) -> Result<Self, ModelError> {
        let cfg_err = |reason: String| ModelError::Ngram {
            source_name: source_name.into(),
            file: NGRAM_CONFIG,
            reason,
        };
        let config: NgramConfig =
            serde_json::from_slice(&files.config).map_err(|e| cfg_err(e.to_string()))?;
        if config.model_type != NGRAM_MODEL_TYPE {
            return Err(cfg_err(format!(
                "model_type is `{}`, expected `{NGRAM_MODEL_TYPE}`",
                config.model_type
            )));
        }
        if config.min_n == 0 || config.min_n > config.max_n || config.max_n > 8 {
            return Err(cfg_err(format!(
                "n-gram range {}..={} is not within 1..=8",
                config.min_n, config.max_n
            )));
        }
        let shape_err = |reason: String| ModelError::Ngram {
            source_name: source_name.into(),
            file: NGRAM_WEIGHTS,
            reason,
        };
        let st = safetensors::SafeTensors::deserialize(&files.weights)
            .map_err(|e| shape_err(e.to_string()))?;
        let tensor = |name: &str, len: usize| -> Result<Vec<f32>, ModelError> {
            let t = st
                .tensor(name)
                .map_err(|_| shape_err(format!("no tensor `{name}`")))?;
            if t.dtype() != safetensors::Dtype::F32 || t.shape().iter().product::<usize>() != len {
                return Err(shape_err(format!(
                    "`{name}` is {:?} {:?}; expected F32 with {len} values",
                    t.dtype(),
                    t.shape()
                )));
            }
            Ok(t.data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect())
        };
        let v = config.vocab.len();
        let k = config.labels.len();
        let idf = tensor("idf", v)?;
        let weight = tensor("weight", k * v)?;
        let bias = tensor("bias", k)?;
        let mut rows = Vec::with_capacity(N_LABELS);
        let mut b = [0f32; N_LABELS];
        for (i, l) in LABELS.iter().enumerate() {
            let h = config.labels.iter().position(|m| m == l).ok_or_else(|| {
                cfg_err(format!(
                    "{NGRAM_CONFIG} labels {:?} lack `{l}`; policyscan needs {LABELS:?}",
                    config.labels
                ))
            })?;
            rows.push(weight[h * v..(h + 1) * v].to_vec());
            b[i] = bias[h];
        }
        Ok(Self::new(config, idf, rows, b))
    }

    /// Write `ngram.json` and `ngram.safetensors` into `dir`.
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut config = self.config.clone();
        config.labels = LABELS.iter().map(|l| l.to_string()).collect();
        let json = serde_json::to_string(&config).map_err(std::io::Error::other)?;
        std::fs::write(dir.join(NGRAM_CONFIG), json + "\n")?;
        let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        let idf = bytes(&self.idf);
        let weight = bytes(&self.weight.concat());
        let bias = bytes(&self.bias);
        let v = self.idf.len();
        fn view(data: &[u8], shape: Vec<usize>) -> std::io::Result<TensorView<'_>> {
            TensorView::new(safetensors::Dtype::F32, shape, data).map_err(std::io::Error::other)
        }
        let tensors = [
            ("bias", view(&bias, vec![N_LABELS])?),
            ("idf", view(&idf, vec![v])?),
            ("weight", view(&weight, vec![N_LABELS, v])?),
        ];
        let out = safetensors::serialize(tensors, None).map_err(std::io::Error::other)?;
        std::fs::write(dir.join(NGRAM_WEIGHTS), out)
    }

    /// The configuration (vocabulary included).
    pub fn config(&self) -> &NgramConfig {
        &self.config
    }

    /// This member's own thresholds, in [`LABELS`] order.
    pub fn thresholds(&self) -> [f32; N_LABELS] {
        thresholds_in_order(&self.config.thresholds)
    }

    /// Replace the thresholds (label → threshold).
    pub fn set_thresholds(&mut self, thresholds: BTreeMap<String, f32>) {
        self.config.thresholds = thresholds;
    }

    /// The TF-IDF row of one text, untagged (the scan reads inputs:
    /// [`Self::input_features`]; the tests check the row arithmetic here).
    #[cfg(test)]
    fn features(&self, text: &str) -> Vec<(u32, f32)> {
        let mut columns = Vec::new();
        for_each_ngram(text, self.config.min_n, self.config.max_n, |g| {
            columns.extend(self.index.get(g).copied())
        });
        self.row_of(columns)
    }

    /// The feature row of one input: the L2-normalised TF-IDF of every
    /// tagged term of every field it reads, as one bag.
    pub fn input_features(&self, input: &Input<'_>) -> Vec<(u32, f32)> {
        let (min_n, max_n) = (self.config.min_n, self.config.max_n);
        let mut columns = Vec::new();
        for_each_term(input, &self.config.fields, min_n, max_n, |t| {
            columns.extend(self.index.get(t).copied())
        });
        self.row_of(columns)
    }

    /// The L2-normalised TF-IDF row of a bag of columns.
    fn row_of(&self, mut columns: Vec<u32>) -> Vec<(u32, f32)> {
        columns.sort_unstable();
        let mut counts: Vec<(u32, u32)> = Vec::new();
        for j in columns {
            match counts.last_mut() {
                Some((k, c)) if *k == j => *c += 1,
                _ => counts.push((j, 1)),
            }
        }
        tfidf_row(counts, &self.idf)
    }

    /// Sigmoid scores in [`LABELS`] order for one input.
    pub fn score_one(&self, input: &Input<'_>) -> [f32; N_LABELS] {
        let row = self.input_features(input);
        std::array::from_fn(|l| {
            let w = &self.weight[l];
            let z = self.bias[l] + row.iter().map(|&(j, x)| w[j as usize] * x).sum::<f32>();
            sigmoid(z)
        })
    }
}

/// Column of each n-gram.
pub fn index_of(vocab: &[String]) -> HashMap<String, u32> {
    vocab
        .iter()
        .enumerate()
        .map(|(i, g)| (g.clone(), i as u32))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> NgramModel {
        let vocab: Vec<String> = ["儿", "童", "儿童", "cookie", "c"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut weight = vec![vec![0.0; vocab.len()]; N_LABELS];
        weight[4][2] = 8.0; // minors ← 儿童
        NgramModel::new(
            NgramConfig {
                model_type: NGRAM_MODEL_TYPE.into(),
                labels: LABELS.iter().map(|l| l.to_string()).collect(),
                thresholds: BTreeMap::new(),
                min_n: 1,
                max_n: 2,
                c: 1.0,
                fields: Vec::new(),
                vocab,
            },
            vec![1.0; 5],
            weight,
            [-2.0; N_LABELS],
        )
    }

    #[test]
    fn ngrams_are_lower_cased_with_white_space_runs_as_one_space() {
        let c = ngram_counts("A \t\nA", 1, 2);
        assert_eq!(c["a"], 2);
        assert_eq!(c[" "], 1);
        assert_eq!(c["a "], 1);
        assert_eq!(c[" a"], 1);
        assert_eq!(c.len(), 4);
    }

    #[test]
    fn rows_are_unit_length_and_sublinear_in_counts() {
        let m = model();
        let row = m.features("儿儿儿童");
        let norm: f32 = row.iter().map(|&(_, v)| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-6);
        let v: HashMap<u32, f32> = row.into_iter().collect();
        // 儿 three times: 1 + ln 3 against 童's 1.
        assert!((v[&0] / v[&1] - (1.0 + 3f32.ln())).abs() < 1e-5);
        assert!(m.features("无关").is_empty());
    }

    #[test]
    fn the_weights_decide_and_a_saved_model_scores_the_same() {
        let m = model();
        let path = vec!["未成年人保护".to_string()];
        let kids = Input {
            heading_path: &path,
            text: "儿童信息",
            lead_in: None,
        };
        let other = Input {
            heading_path: &[],
            text: "我们收集",
            lead_in: None,
        };
        assert!(m.score_one(&kids)[4] > 0.5);
        assert!(m.score_one(&other)[4] < 0.5);
        let dir = tempfile::tempdir().unwrap();
        m.save(dir.path()).unwrap();
        let back = NgramModel::load(&NgramFiles::read_dir(dir.path()).unwrap(), "m").unwrap();
        assert_eq!(back.score_one(&kids), m.score_one(&kids));
        assert_eq!(back.config(), m.config());
    }

    #[test]
    fn bad_files_name_the_file_and_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        model().save(dir.path()).unwrap();
        let mut files = NgramFiles::read_dir(dir.path()).unwrap();
        let good = files.weights.clone();
        files.weights.truncate(10);
        let e = NgramModel::load(&files, "m").err().unwrap().to_string();
        assert!(e.starts_with("m: ngram.safetensors: "), "{e}");
        files.weights = good;
        files.config = br#"{"model_type":"bert"}"#.to_vec();
        let e = NgramModel::load(&files, "m").err().unwrap().to_string();
        assert!(e.starts_with("m: ngram.json: "), "{e}");
        let e = NgramFiles::read_dir(&dir.path().join("none"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("ngram.json"), "{e}");
    }

    #[test]
    fn a_member_with_fields_reads_each_field_behind_its_tag() {
        let path = vec!["三、共享".to_string()];
        let item = Input {
            heading_path: &path,
            text: "支付机构",
            lead_in: Some("向第三方提供"),
        };
        let fields = [NgramField::Text, NgramField::LeadIn, NgramField::Rules];
        let counts = input_counts(&item, &fields, 1, 2);
        assert_eq!(counts["t:支付"], 1);
        assert_eq!(counts["l:第三"], 1);
        assert_eq!(counts["r:h:sharing"], 1);
        assert_eq!(counts["r:l:sharing"], 1);
        // The heading path is read only through the rules; no term is untagged.
        assert!(
            !counts
                .keys()
                .any(|k| k.starts_with("p:") || !k.contains(':'))
        );
        // The same n-gram in two fields is two columns: the lead-in's
        // 第三 says sharing, the text's does not.
        let vocab: Vec<String> = ["l:第三", "t:第三"].iter().map(|s| s.to_string()).collect();
        let mut weight = vec![vec![0.0; 2]; N_LABELS];
        weight[2][0] = 8.0;
        let mut config = model().config().clone();
        config.fields = vec![NgramField::Text, NgramField::LeadIn];
        config.vocab = vocab;
        let m = NgramModel::new(config, vec![1.0; 2], weight, [-2.0; N_LABELS]);
        let in_lead = Input {
            text: "支付机构",
            lead_in: Some("与第三方"),
            ..item
        };
        let in_text = Input {
            text: "第三方支付机构",
            lead_in: None,
            ..item
        };
        assert!(m.score_one(&in_lead)[2] > 0.5);
        assert!(m.score_one(&in_text)[2] < 0.5);
        // Saved and loaded, it reads the same fields.
        let dir = tempfile::tempdir().unwrap();
        m.save(dir.path()).unwrap();
        let back = NgramModel::load(&NgramFiles::read_dir(dir.path()).unwrap(), "m").unwrap();
        assert_eq!(back.score_one(&in_lead), m.score_one(&in_lead));
        assert_eq!(back.config().fields, [NgramField::Text, NgramField::LeadIn]);
    }

    #[test]
    fn a_member_without_fields_writes_and_reads_the_file_it_always_did() {
        let dir = tempfile::tempdir().unwrap();
        model().save(dir.path()).unwrap();
        let json = std::fs::read_to_string(dir.path().join(NGRAM_CONFIG)).unwrap();
        assert!(!json.contains("fields"), "{json}");
        let mut files = NgramFiles::read_dir(dir.path()).unwrap();
        files.config = json
            .replace(r#""vocab""#, r#""fields":["heading","body"],"vocab""#)
            .into();
        let e = NgramModel::load(&files, "m").err().unwrap().to_string();
        assert!(
            e.starts_with("m: ngram.json: ") && e.contains("body"),
            "{e}"
        );
    }

    #[test]
    fn the_member_reads_sections_not_policy_titles() {
        // A children's policy appended to the main one: its sections are
        // labelled by their own topics, so its title is not read.
        let path = vec![
            "《云雀儿童隐私政策》".to_string(),
            "二、我们收集哪些信息".to_string(),
        ];
        let input = Input {
            heading_path: &path,
            text: "我们收集您的手机号码",
            lead_in: None,
        };
        assert_eq!(
            joined_text(&input),
            "二、我们收集哪些信息 | 我们收集您的手机号码"
        );
        let m = model();
        let section = vec!["儿童个人信息保护".to_string()];
        let kids = Input {
            heading_path: &section,
            ..input
        };
        assert!(m.score_one(&kids)[4] > 0.5);
        assert!(m.score_one(&input)[4] < 0.5);
    }
}
