//! A model soup (`policyscan soup`): the weight-by-weight mean of several
//! fine-tunes of one starting model.
//!
//! Why: fine-tunes that start from the same weights (same encoder, same
//! new head, same batches) and differ only in a setting such as the
//! learning rate end in one basin of the loss, and their mean often scores
//! as well as their ensemble does (Wortsman et al., 2022, "Model soups") —
//! at the cost of one model on the scan path, where an ensemble of BERTs
//! costs one forward pass each. Fine-tunes from different heads or seeds
//! need not share a basin; the soup then scores worse than either, which
//! the caller's cross-validation must show, not this file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use policyscan::model::ModelFiles;

use super::TrainError;

/// Average the weights of the model folders `inputs` into `out` (a Hugging
/// Face folder: `model.safetensors`, with the first input's `config.json`
/// and `tokenizer.json`). Refused unless there are two or more inputs with
/// the same tokenizer, the same config apart from the thresholds, and the
/// same tensors (names and shapes). The first input's thresholds are kept:
/// thresholds belong to one model's scores, and the caller chooses the
/// soup's own again where they matter (`cv` chooses the ensemble's on the
/// inner policies). Returns the number of tensors averaged.
pub fn soup(inputs: &[PathBuf], out: &Path) -> Result<usize, TrainError> {
    let [first, rest @ ..] = inputs else {
        return Err(bad(out, "no ingredients".into()));
    };
    if rest.is_empty() {
        return Err(bad(first, "a soup needs two or more models".into()));
    }
    let base = ModelFiles::read_dir(first)?;
    let base_config = config_without_thresholds(&base.config, first)?;
    let mut sum = load(&base.weights, first)?;
    for dir in rest {
        let files = ModelFiles::read_dir(dir)?;
        if files.tokenizer != base.tokenizer {
            return Err(bad(
                dir,
                format!("its tokenizer.json differs from {}'s", first.display()),
            ));
        }
        if config_without_thresholds(&files.config, dir)? != base_config {
            return Err(bad(
                dir,
                format!(
                    "its config.json differs from {}'s in more than the thresholds",
                    first.display()
                ),
            ));
        }
        let weights = load(&files.weights, dir)?;
        if weights.len() != sum.len() {
            return Err(bad(
                dir,
                format!(
                    "{} tensors against {} in {}",
                    weights.len(),
                    sum.len(),
                    first.display()
                ),
            ));
        }
        for (name, t) in weights {
            let Some(acc) = sum.get_mut(&name) else {
                return Err(bad(
                    dir,
                    format!("tensor `{name}` is not in {}", first.display()),
                ));
            };
            if acc.dims() != t.dims() {
                return Err(bad(
                    dir,
                    format!(
                        "tensor `{name}` has shape {:?} against {:?}",
                        t.dims(),
                        acc.dims()
                    ),
                ));
            }
            *acc = (&*acc + t)?;
        }
    }
    let n = inputs.len() as f64;
    let mean = sum
        .into_iter()
        .map(|(name, t)| Ok((name, (t / n)?)))
        .collect::<Result<HashMap<_, _>, candle_core::Error>>()?;
    let io = |path: PathBuf| move |source| TrainError::Io { path, source };
    std::fs::create_dir_all(out).map_err(io(out.to_path_buf()))?;
    candle_core::safetensors::save(&mean, out.join("model.safetensors"))?;
    std::fs::write(out.join("config.json"), &base.config).map_err(io(out.join("config.json")))?;
    std::fs::write(out.join("tokenizer.json"), &base.tokenizer)
        .map_err(io(out.join("tokenizer.json")))?;
    Ok(mean.len())
}

/// Why the model folder `path` cannot go into the soup.
fn bad(path: &Path, reason: String) -> TrainError {
    TrainError::Soup {
        path: path.to_path_buf(),
        reason,
    }
}

/// The weights of one folder as f32 tensors by name (summed in f32 whatever
/// they were stored as).
fn load(bytes: &[u8], dir: &Path) -> Result<HashMap<String, Tensor>, TrainError> {
    let loaded = candle_core::safetensors::load_buffer(bytes, &Device::Cpu)
        .map_err(|e| bad(dir, format!("model.safetensors: {e}")))?;
    loaded
        .into_iter()
        .map(|(k, t)| Ok((k, t.to_dtype(DType::F32)?)))
        .collect::<Result<_, candle_core::Error>>()
        .map_err(TrainError::from)
}

/// A config as JSON with its `thresholds` left out: what two ingredients
/// must agree on.
fn config_without_thresholds(bytes: &[u8], dir: &Path) -> Result<serde_json::Value, TrainError> {
    let mut v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| bad(dir, format!("config.json: {e}")))?;
    if let Some(o) = v.as_object_mut() {
        o.remove("thresholds");
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model folder holding `tensors`, a config with `thresholds` and the
    /// tokenizer bytes `tokenizer` (the soup only compares them).
    fn folder(
        root: &Path,
        name: &str,
        tensors: &[(&str, &[f32], &[usize])],
        threshold: f64,
        tokenizer: &str,
    ) -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let map: HashMap<String, Tensor> = tensors
            .iter()
            .map(|(k, v, shape)| {
                let t = Tensor::from_slice(v, *shape, &Device::Cpu).unwrap();
                (k.to_string(), t)
            })
            .collect();
        candle_core::safetensors::save(&map, dir.join("model.safetensors")).unwrap();
        let config = serde_json::json!({"hidden_size": 2, "thresholds": {"cookie": threshold}});
        std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
        std::fs::write(dir.join("tokenizer.json"), tokenizer).unwrap();
        dir
    }

    fn weights(dir: &Path) -> HashMap<String, Vec<f32>> {
        let bytes = std::fs::read(dir.join("model.safetensors")).unwrap();
        candle_core::safetensors::load_buffer(&bytes, &Device::Cpu)
            .unwrap()
            .into_iter()
            .map(|(k, t)| (k, t.flatten_all().unwrap().to_vec1().unwrap()))
            .collect()
    }

    fn refusal(inputs: &[PathBuf], out: &Path) -> String {
        match soup(inputs, out) {
            Err(e @ TrainError::Soup { .. }) => e.to_string(),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn the_soup_is_the_mean_of_every_weight_and_keeps_the_first_config() {
        let tmp = tempfile::tempdir().unwrap();
        let a = folder(
            tmp.path(),
            "a",
            &[("w", &[1.0, 2.0, 3.0, 4.0], &[2, 2]), ("b", &[0.0], &[1])],
            0.3,
            "tok",
        );
        let b = folder(
            tmp.path(),
            "b",
            &[("w", &[3.0, 2.0, 1.0, 0.0], &[2, 2]), ("b", &[1.0], &[1])],
            0.7,
            "tok",
        );
        let c = folder(
            tmp.path(),
            "c",
            &[("w", &[2.0, 2.0, 2.0, 2.0], &[2, 2]), ("b", &[2.0], &[1])],
            0.5,
            "tok",
        );
        let out = tmp.path().join("soup");
        assert_eq!(soup(&[a.clone(), b, c], &out).unwrap(), 2);
        let w = weights(&out);
        assert_eq!(w["w"], vec![2.0, 2.0, 2.0, 2.0]);
        assert_eq!(w["b"], vec![1.0]);
        // Config (thresholds included) and tokenizer are the first model's.
        for file in ["config.json", "tokenizer.json"] {
            assert_eq!(
                std::fs::read(out.join(file)).unwrap(),
                std::fs::read(a.join(file)).unwrap(),
                "{file}"
            );
        }
    }

    #[test]
    fn models_that_do_not_match_are_refused_with_the_folder_and_the_reason() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("soup");
        let a = folder(tmp.path(), "a", &[("w", &[1.0, 2.0], &[2])], 0.5, "tok");
        let shape = folder(
            tmp.path(),
            "shape",
            &[("w", &[1.0, 2.0], &[1, 2])],
            0.5,
            "tok",
        );
        let name = folder(tmp.path(), "name", &[("v", &[1.0, 2.0], &[2])], 0.5, "tok");
        let count = folder(
            tmp.path(),
            "count",
            &[("w", &[1.0, 2.0], &[2]), ("v", &[1.0], &[1])],
            0.5,
            "tok",
        );
        let tok = folder(tmp.path(), "tok", &[("w", &[1.0, 2.0], &[2])], 0.5, "other");
        let cfg = folder(tmp.path(), "cfg", &[("w", &[1.0, 2.0], &[2])], 0.5, "tok");
        std::fs::write(cfg.join("config.json"), r#"{"hidden_size": 4}"#).unwrap();

        let e = refusal(&[a.clone(), shape.clone()], &out);
        assert!(e.contains("shape") && e.contains("`w`"), "{e}");
        assert!(e.starts_with(&shape.display().to_string()), "{e}");
        let e = refusal(&[a.clone(), name], &out);
        assert!(e.contains("`v` is not in"), "{e}");
        let e = refusal(&[a.clone(), count], &out);
        assert!(e.contains("2 tensors against 1"), "{e}");
        let e = refusal(&[a.clone(), tok], &out);
        assert!(e.contains("tokenizer.json differs"), "{e}");
        let e = refusal(&[a.clone(), cfg], &out);
        assert!(e.contains("more than the thresholds"), "{e}");
        let e = refusal(std::slice::from_ref(&a), &out);
        assert!(e.contains("two or more"), "{e}");
        assert!(!out.exists(), "nothing is written when the soup is refused");
    }
}
