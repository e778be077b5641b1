//! An exponential moving average of the weights (`--ema DECAY`), the
//! weights a checkpoint is judged and saved with when it is on.
//!
//! Why: a fine-tune of a few hundred steps on a few dozen policies ends
//! wherever its last batches pushed it, and the checkpoint the inner
//! policies pick inherits that noise. The average of the recent weights
//! (Polyak averaging; the "EMA" of many fine-tuning recipes) is a smoother
//! point of the same trajectory, at no cost to the scan: it is one model.

use candle_core::{Tensor, Var};
use candle_nn::VarMap;

use super::TrainError;

/// The running average beside the live weights.
pub(crate) struct Ema {
    decay: f64,
    /// Each trained variable and its average.
    shadow: Vec<(Var, Tensor)>,
    /// Updates so far, for the warm-up of the decay.
    updates: usize,
}

impl Ema {
    /// Start the average at the weights as they are now.
    pub fn new(varmap: &VarMap, decay: f64) -> Result<Self, TrainError> {
        let shadow = varmap
            .all_vars()
            .into_iter()
            .map(|v| {
                let avg = v.as_tensor().copy()?;
                Ok((v, avg))
            })
            .collect::<Result<_, candle_core::Error>>()?;
        Ok(Self {
            decay,
            shadow,
            updates: 0,
        })
    }

    /// Fold the live weights into the average after an optimiser step.
    /// The decay warms up as `(1 + n) / (10 + n)` (as TensorFlow's
    /// `ExponentialMovingAverage` with `num_updates`), so the first steps
    /// do not keep the starting weights for hundreds of steps.
    pub fn update(&mut self) -> Result<(), TrainError> {
        self.updates += 1;
        let n = self.updates as f64;
        let d = self.decay.min((1.0 + n) / (10.0 + n));
        for (var, avg) in &mut self.shadow {
            *avg = ((avg.clone() * d)? + (var.as_tensor() * (1.0 - d))?)?;
        }
        Ok(())
    }

    /// Exchange live and averaged weights: once to evaluate and save the
    /// average, once more to train on from where training was.
    pub fn swap(&mut self) -> Result<(), TrainError> {
        for (var, avg) in &mut self.shadow {
            let live = var.as_tensor().copy()?;
            var.set(avg)?;
            *avg = live;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device};

    fn one_var(value: f32) -> (VarMap, Var) {
        let varmap = VarMap::new();
        let t = varmap
            .get(
                1,
                "w",
                candle_nn::Init::Const(value as f64),
                DType::F32,
                &Device::Cpu,
            )
            .unwrap();
        let var = varmap.all_vars().pop().unwrap();
        assert_eq!(t.to_vec1::<f32>().unwrap(), vec![value]);
        (varmap, var)
    }

    fn value(var: &Var) -> f32 {
        var.as_tensor().to_vec1::<f32>().unwrap()[0]
    }

    /// The average after one step from 0 to 4 at `decay`, read by
    /// swapping it in, and the live weight after swapping back.
    fn one_step_from_0_to_4(decay: f64) -> (f32, f32) {
        let (varmap, var) = one_var(0.0);
        let mut ema = Ema::new(&varmap, decay).unwrap();
        var.set(&Tensor::new(&[4.0f32], &Device::Cpu).unwrap())
            .unwrap();
        ema.update().unwrap();
        ema.swap().unwrap();
        let avg = value(&var);
        ema.swap().unwrap();
        (avg, value(&var))
    }

    #[test]
    fn the_average_trails_the_weights_and_swapping_twice_restores_them() {
        // The first step's decay is min(0.5, 2/11) = 2/11: 4 * 9/11.
        let (avg, live) = one_step_from_0_to_4(0.5);
        assert!((avg - 4.0 * 9.0 / 11.0).abs() < 1e-5, "{avg}");
        assert_eq!(live, 4.0);
    }

    #[test]
    fn a_decay_below_the_warm_up_is_used_as_it_is() {
        // min(0.1, 2/11) = 0.1: 4 * 0.9.
        let (avg, _) = one_step_from_0_to_4(0.1);
        assert!((avg - 3.6).abs() < 1e-5, "{avg}");
    }
}
