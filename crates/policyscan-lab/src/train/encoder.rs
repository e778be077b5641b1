//! Where a model's encoder comes from, and where a model goes: `--init
//! DIR` (an existing Hugging Face BERT, its task head dropped, optionally
//! grown deeper by progressive stacking), or a small BERT of the options'
//! size with a WordPiece vocabulary trained on the training texts; variables
//! not loaded are initialised from the run's seed as `transformers` does;
//! and every trainer writes the same Hugging Face model directory.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::VarMap;
use tokenizers::models::TrainerWrapper;
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainer};
use tokenizers::normalizers::bert::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::{AddedToken, Tokenizer};

use super::{TrainError, TrainOptions};
use policyscan::model::config::ModelConfig;
use policyscan::model::{ModelFiles, parse_config, parse_tokenizer};
use policyscan::rng::SplitMix64;

/// Train a WordPiece vocabulary on `texts` (BERT normaliser + pre-tokeniser)
/// with the BERT special tokens and `[CLS] A [SEP] B [SEP]` post-processing.
pub fn build_tokenizer<'a>(
    texts: impl Iterator<Item = &'a str> + Send,
    vocab_size: usize,
) -> Result<Tokenizer, TrainError> {
    let terr = |e: tokenizers::Error| TrainError::Tokenizer(e.to_string());
    let specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
    let mut tok = Tokenizer::new(
        WordPiece::builder()
            .unk_token("[UNK]".into())
            .build()
            .map_err(terr)?,
    );
    tok.with_normalizer(Some(BertNormalizer::default()))
        .map_err(terr)?;
    tok.with_pre_tokenizer(Some(BertPreTokenizer));
    tok.with_decoder(Some(tokenizers::decoders::wordpiece::WordPiece::default()));
    let mut trainer = TrainerWrapper::WordPieceTrainer(
        WordPieceTrainer::builder()
            .vocab_size(vocab_size)
            .min_frequency(2)
            .show_progress(false)
            .special_tokens(
                specials
                    .iter()
                    .map(|s| AddedToken::from(*s, true))
                    .collect(),
            )
            .build(),
    );
    tok.train(&mut trainer, texts).map_err(terr)?;
    let id = |t: &str| tok.token_to_id(t).unwrap_or(0);
    let post = TemplateProcessing::builder()
        .try_single("[CLS] $A [SEP]")
        .map_err(TrainError::Tokenizer)?
        .try_pair("[CLS] $A:0 [SEP]:0 $B:1 [SEP]:1")
        .map_err(TrainError::Tokenizer)?
        .special_tokens(vec![("[CLS]", id("[CLS]")), ("[SEP]", id("[SEP]"))])
        .build()
        .map_err(|e| TrainError::Tokenizer(e.to_string()))?;
    tok.with_post_processor(Some(post));
    Ok(tok)
}

/// Set every variable of a freshly built model from the seeded generator:
/// N(0, initializer_range) for weights and embeddings, 1 for layer-norm
/// scales, 0 for biases (as `transformers` initialises BERT). Variables in
/// `keep` (loaded from `--init`) are left alone.
pub(crate) fn init_vars(
    varmap: &VarMap,
    keep: &HashSet<String>,
    std: f64,
    rng: &mut SplitMix64,
) -> Result<(), TrainError> {
    let data = varmap.data().lock().expect("varmap lock");
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    for name in names {
        if keep.contains(name) {
            continue;
        }
        let var = &data[name];
        let n = var.elem_count();
        let values: Vec<f32> = if name.ends_with("bias") {
            vec![0.0; n]
        } else if name.contains("LayerNorm") {
            vec![1.0; n]
        } else {
            (0..n).map(|_| (rng.normal() * std) as f32).collect()
        };
        var.set(&Tensor::from_vec(values, var.shape(), var.device())?)?;
    }
    Ok(())
}

/// Load the encoder of the HF BERT directory `dir` into `varmap` under
/// `bert.…` (task heads — `classifier.…`, `cls.…` — dropped, and any tensor
/// `keep` refuses); returns its config, tokenizer and the names loaded, which
/// [`init_vars`] must leave alone. Fine-tuning starts here.
pub(crate) fn load_encoder(
    dir: &Path,
    varmap: &VarMap,
    keep: impl Fn(&str) -> bool,
) -> Result<(ModelConfig, Tokenizer, HashSet<String>), TrainError> {
    let files = ModelFiles::read_dir(dir)?;
    let name = dir.display().to_string();
    let config = parse_config(&files.config, &name)?;
    let tokenizer = parse_tokenizer(&files.tokenizer, &name)?;
    let loaded = candle_core::safetensors::load_buffer(&files.weights, &Device::Cpu)?;
    let mut names = HashSet::new();
    let mut data = varmap.data().lock().expect("varmap lock");
    for (k, t) in loaded {
        if k.starts_with("classifier.") || k.starts_with("cls.") {
            continue;
        }
        let k = if k.starts_with("bert.") {
            k
        } else {
            format!("bert.{k}")
        };
        if !keep(&k) {
            continue;
        }
        data.insert(k.clone(), Var::from_tensor(&t.to_dtype(DType::F32)?)?);
        names.insert(k);
    }
    Ok((config, tokenizer, names))
}

/// Repeat the loaded encoder's layers until it has `n`: layer `i + k·L`
/// starts as a copy of layer `i` (`L` the loaded depth). `n` must be a
/// multiple of `L`.
pub(crate) fn stack_layers(
    config: &mut ModelConfig,
    varmap: &VarMap,
    names: &mut HashSet<String>,
    n: usize,
) -> Result<(), TrainError> {
    let l = config.num_hidden_layers;
    if l == 0 || n < l || !n.is_multiple_of(l) {
        return Err(TrainError::Stack {
            wanted: n,
            reason: format!("must be a multiple of the --init encoder's {l} layers"),
        });
    }
    let mut data = varmap.data().lock().expect("varmap lock");
    let layer_keys: Vec<(String, usize, String)> = data
        .keys()
        .filter_map(|k| {
            let rest = k.strip_prefix("bert.encoder.layer.")?;
            let (i, tail) = rest.split_once('.')?;
            Some((k.clone(), i.parse().ok()?, tail.to_string()))
        })
        .collect();
    for (key, i, tail) in layer_keys {
        let t = data[&key].as_tensor().copy()?;
        for copy in 1..n / l {
            let new = format!("bert.encoder.layer.{}.{tail}", i + copy * l);
            data.insert(new.clone(), Var::from_tensor(&t)?);
            names.insert(new);
        }
    }
    config.num_hidden_layers = n;
    Ok(())
}

/// Where a new model's encoder comes from: `--init DIR` (its config,
/// tokenizer and encoder tensors, minus those `keep` refuses; returns the
/// names loaded, which [`init_vars`] must leave alone), or a small BERT
/// of `opts`' size with a WordPiece vocabulary trained on `texts`.
pub(crate) fn encoder_start<'a>(
    opts: &TrainOptions,
    texts: impl Iterator<Item = &'a str> + Send,
    varmap: &VarMap,
    keep: impl Fn(&str) -> bool,
) -> Result<(ModelConfig, Tokenizer, HashSet<String>), TrainError> {
    if let Some(dir) = &opts.init {
        let (mut config, tokenizer, mut names) = load_encoder(dir, varmap, keep)?;
        if let Some(n) = opts.stack_layers {
            stack_layers(&mut config, varmap, &mut names, n)?;
        }
        return Ok((config, tokenizer, names));
    }
    let (config, tokenizer) = scratch_encoder(opts, texts)?;
    Ok((config, tokenizer, HashSet::new()))
}

/// A small BERT config of `opts`' size and a WordPiece vocabulary trained on
/// `texts`: the from-scratch start of every trainer.
pub(crate) fn scratch_encoder<'a>(
    opts: &TrainOptions,
    texts: impl Iterator<Item = &'a str> + Send,
) -> Result<(ModelConfig, Tokenizer), TrainError> {
    let tokenizer = build_tokenizer(texts, opts.vocab_size)?;
    let vocab = tokenizer.get_vocab_size(true);
    let mut config = ModelConfig::small(vocab, opts.hidden, opts.layers, opts.heads);
    config.max_position_embeddings = config.max_position_embeddings.max(opts.max_tokens);
    Ok((config, tokenizer))
}

/// Write a Hugging Face model directory: `config.json`, `tokenizer.json`
/// and `model.safetensors` (the variables of `varmap`).
pub(crate) fn save_model_dir(
    dir: &Path,
    config: &ModelConfig,
    tokenizer: &Tokenizer,
    varmap: &VarMap,
) -> Result<(), TrainError> {
    let io = |path: PathBuf| move |source| TrainError::Io { path, source };
    std::fs::create_dir_all(dir).map_err(io(dir.into()))?;
    let cfg = serde_json::to_string_pretty(config).expect("config serialises");
    std::fs::write(dir.join("config.json"), cfg + "\n").map_err(io(dir.join("config.json")))?;
    tokenizer
        .save(dir.join("tokenizer.json"), false)
        .map_err(|e| TrainError::Tokenizer(e.to_string()))?;
    varmap.save(dir.join("model.safetensors"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacking_repeats_the_layers_in_order() {
        let varmap = VarMap::new();
        let mut names = HashSet::new();
        {
            let mut data = varmap.data().lock().unwrap();
            for i in 0..2 {
                let key = format!("bert.encoder.layer.{i}.output.dense.weight");
                let t = Tensor::full(i as f32 + 1.0, (2, 2), &Device::Cpu).unwrap();
                data.insert(key.clone(), Var::from_tensor(&t).unwrap());
                names.insert(key);
            }
        }
        let mut config = ModelConfig::small(10, 8, 2, 2);
        stack_layers(&mut config, &varmap, &mut names, 4).unwrap();
        assert_eq!(config.num_hidden_layers, 4);
        let data = varmap.data().lock().unwrap();
        for (i, want) in [(0, 1.0), (1, 2.0), (2, 1.0), (3, 2.0)] {
            let key = format!("bert.encoder.layer.{i}.output.dense.weight");
            let v: Vec<f32> = data[&key]
                .as_tensor()
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap();
            assert_eq!(v, [want; 4], "{key}");
            // Loaded, so the initialiser leaves it alone.
            assert!(names.contains(&key));
        }
        // Copies, not shared storage: training one must not move the other.
        let zeros = Tensor::zeros((2, 2), DType::F32, &Device::Cpu).unwrap();
        data["bert.encoder.layer.2.output.dense.weight"]
            .set(&zeros)
            .unwrap();
        let v: Vec<f32> = data["bert.encoder.layer.0.output.dense.weight"]
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(v, [1.0; 4]);
        drop(data);
        let err = stack_layers(&mut ModelConfig::small(10, 8, 2, 2), &varmap, &mut names, 3);
        assert!(matches!(err, Err(TrainError::Stack { wanted: 3, .. })));
    }
}
