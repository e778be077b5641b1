//! Fused CPU kernels for inference, one job each. candle's stock CPU path
//! spends most of a small BERT's time outside the matmuls: `gelu_erf` calls
//! scalar `libm::erff` per element, and attention splits heads with three
//! transposed copies, materialises a broadcast mask, scales, adds and
//! soft-maxes in separate passes. These kernels do the same arithmetic in
//! one pass each, straight from the fused QKV activations, and skip trailing
//! padded keys entirely. They are candle custom ops, so tensors stay candle tensors
//! and other devices keep the stock ops (see [`super::bert`]).
//!
//! Training never uses them: they have no backward pass.

use candle_core::{
    CpuStorage, CustomOp2, CustomOp3, InplaceOp1, Layout, Result, Shape, Tensor, bail,
};

/// `erf(x)` for f32 as a rational function of `x²` (the minimax
/// approximation Eigen and XLA use): max abs error ≈ 2e-7 against `libm`,
/// branch-free, so the loop around it vectorises.
#[inline(always)]
pub fn erf_f32(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2.mul_add(-2.726_142_3e-10, 2.770_681_4e-8);
    p = x2.mul_add(p, -2.101_024e-6);
    p = x2.mul_add(p, -5.692_506_4e-5);
    p = x2.mul_add(p, -7.349_906_3e-4);
    p = x2.mul_add(p, -2.954_6e-3);
    p = x2.mul_add(p, -1.609_603_3e-2);
    let mut q = x2.mul_add(-1.456_607_2e-5, -2.133_740_6e-4);
    q = x2.mul_add(q, -1.682_827e-3);
    q = x2.mul_add(q, -7.373_329e-3);
    q = x2.mul_add(q, -1.426_474e-2);
    x * p / q
}

#[inline(always)]
fn gelu_slice(xs: &mut [f32]) {
    for v in xs {
        *v *= 0.5 * (1.0 + erf_f32(*v * std::f32::consts::FRAC_1_SQRT_2));
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn gelu_slice_avx2(xs: &mut [f32]) {
    gelu_slice(xs)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn gelu_slice_avx512(xs: &mut [f32]) {
    gelu_slice(xs)
}

/// GELU (the exact, erf form BERT uses) in place, vectorised for the CPU
/// it runs on.
pub fn gelu_in_place(xs: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("fma") {
            // SAFETY: the features were detected at run time.
            return unsafe { gelu_slice_avx512(xs) };
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: the features were detected at run time.
            return unsafe { gelu_slice_avx2(xs) };
        }
    }
    gelu_slice(xs)
}

struct GeluErf;

impl InplaceOp1 for GeluErf {
    fn name(&self) -> &'static str {
        "policyscan-gelu-erf"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> Result<()> {
        let Some((start, end)) = layout.contiguous_offsets() else {
            bail!("gelu: input must be contiguous")
        };
        match storage {
            CpuStorage::F32(v) => {
                gelu_in_place(&mut v[start..end]);
                Ok(())
            }
            _ => bail!("gelu: f32 only"),
        }
    }
}

/// GELU of a contiguous f32 CPU tensor, in place (the tensor is consumed
/// and returned so no other handle can observe the change).
pub fn gelu_erf(x: Tensor) -> Result<Tensor> {
    x.inplace_op1(&GeluErf)?;
    Ok(x)
}

/// `dst = beta·lhs·rhs` (or `dst += beta·lhs·rhs` with `accumulate`) on
/// row-major strided views: `lhs` is `m × k` with row stride `lhs_rs`,
/// `rhs` is `k × n` with row stride `rhs_rs` and column stride `rhs_cs`,
/// `dst` is `m × n` with row stride `dst_rs`; unit column strides otherwise.
///
/// # Safety
/// Every element the strides reach must lie inside the allocation behind
/// its pointer, and `dst` must not overlap `lhs` or `rhs`.
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_rows(
    (m, n, k): (usize, usize, usize),
    dst: *mut f32,
    dst_rs: usize,
    accumulate: bool,
    lhs: *const f32,
    lhs_rs: usize,
    rhs: *const f32,
    (rhs_rs, rhs_cs): (usize, usize),
    beta: f32,
    par: gemm::Parallelism,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            dst_rs as isize,
            accumulate,
            lhs,
            1,
            lhs_rs as isize,
            rhs,
            rhs_cs as isize,
            rhs_rs as isize,
            1.0,
            beta,
            false,
            false,
            false,
            par,
        )
    }
}

/// Multi-head self-attention from fused QKV activations.
struct Attention {
    heads: usize,
}

/// The attention of one sequence through `gemm` on strided views of `qkv`
/// (`[t, 3h]`): `S = Q Kᵀ·scale` per head over the keys `0..len` (`len` =
/// one past the last unmasked key, so right padding costs nothing), masked
/// keys set to zero weight, soft-max of each row, and `O = P V` written
/// straight into the head's columns of `out` (`[t, h]`). No copies of Q, K
/// or V.
fn attend_seq(qkv: &[f32], out: &mut [f32], key_mask: &[f32], scores: &mut Vec<f32>, heads: usize) {
    let len = key_mask.iter().rposition(|&m| m > 0.5).map_or(0, |j| j + 1);
    let (t, h) = (key_mask.len(), out.len() / key_mask.len());
    if len == 0 {
        return; // an all-padding row: nothing to attend to
    }
    let hd = h / heads;
    let row = 3 * h;
    scores.resize(t * len, 0.0);
    assert!(qkv.len() >= t * row && out.len() >= t * h);
    for head in 0..heads {
        // SAFETY: Q and K rows are `row` apart inside `qkv` (`t × 3h`, checked
        // above), the head's `hd` columns stay within a row, `scores` is
        // `t × len`; `scores` is its own allocation.
        unsafe {
            gemm_rows(
                (t, len, hd),
                scores.as_mut_ptr(),
                len,
                false,
                qkv.as_ptr().add(head * hd),
                row,
                qkv.as_ptr().add(h + head * hd),
                (1, row), // Kᵀ: down a column of K is along a row of Kᵀ
                1.0 / (hd as f32).sqrt(),
                gemm::Parallelism::None,
            );
        }
        for r in scores.chunks_exact_mut(len) {
            for (s, &m) in r.iter_mut().zip(key_mask) {
                if m <= 0.5 {
                    *s = f32::NEG_INFINITY;
                }
            }
            let max = r.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let mut sum = 0.0;
            for s in r.iter_mut() {
                *s = (*s - max).exp();
                sum += *s;
            }
            let inv = 1.0 / sum;
            for s in r.iter_mut() {
                *s *= inv;
            }
        }
        // SAFETY: as above; `out` is `t × h` and the head's columns stay
        // within a row; `out` does not overlap `qkv` or `scores`.
        unsafe {
            gemm_rows(
                (t, hd, len),
                out.as_mut_ptr().add(head * hd),
                h,
                false,
                scores.as_ptr(),
                len,
                qkv.as_ptr().add(2 * h + head * hd),
                (row, 1),
                1.0,
                gemm::Parallelism::None,
            );
        }
    }
}

impl CustomOp2 for Attention {
    fn name(&self) -> &'static str {
        "policyscan-attention"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (b, t, h3) = l1.shape().dims3()?;
        let (mb, mt) = l2.shape().dims2()?;
        if mb != b || mt != t || h3 % 3 != 0 || (h3 / 3) % self.heads != 0 {
            bail!(
                "attention: qkv {:?} and mask {:?} disagree",
                l1.shape(),
                l2.shape()
            )
        }
        let qkv = f32_slice(s1, l1, "attention", "qkv")?;
        let mask = f32_slice(s2, l2, "attention", "mask")?;
        let h = h3 / 3;
        let mut out = vec![0f32; b * t * h];
        let mut scores = Vec::new();
        for ((q, o), m) in qkv
            .chunks_exact(t * h3)
            .zip(out.chunks_exact_mut(t * h))
            .zip(mask.chunks_exact(t))
        {
            attend_seq(q, o, m, &mut scores, self.heads);
        }
        Ok((CpuStorage::F32(out), Shape::from((b, t, h))))
    }
}

/// Context vectors `[b, t, h]` of multi-head self-attention, from the fused
/// projections `qkv = [Q | K | V]` (`[b, t, 3h]`, heads contiguous within
/// each block, as `BertSelfAttention` lays them out) and a key mask `[b, t]`
/// (1 = token, 0 = padding). Padded keys get exactly zero weight.
pub fn attention(qkv: &Tensor, mask: &Tensor, heads: usize) -> Result<Tensor> {
    qkv.contiguous()?
        .apply_op2_no_bwd(&mask.contiguous()?, &Attention { heads })
}

/// The contiguous f32 data of a custom op's input (`op`/`what` name it in
/// errors).
fn f32_slice<'s>(s: &'s CpuStorage, l: &Layout, op: &str, what: &str) -> Result<&'s [f32]> {
    let Some((a, b)) = l.contiguous_offsets() else {
        bail!("{op}: {what} must be contiguous")
    };
    match s {
        CpuStorage::F32(v) => Ok(&v[a..b]),
        _ => bail!("{op}: f32 only"),
    }
}

/// `y = x·Wᵀ + b (+ residual)` with `Wᵀ` pre-transposed (`[in, out]`):
/// the output buffer starts as the bias rows (or residual + bias) and
/// `gemm` accumulates the product into it, so the bias add and the
/// residual add of BERT's output blocks cost no pass and no tensor of their
/// own.
struct LinearOp<'a> {
    bias: &'a [f32],
}

impl LinearOp<'_> {
    fn run(
        &self,
        x: &[f32],
        lx: &Layout,
        wt: &[f32],
        lw: &Layout,
        residual: Option<&[f32]>,
    ) -> Result<(CpuStorage, Shape)> {
        let (d_in, d_out) = lw.shape().dims2()?;
        let dims = lx.shape().dims();
        if dims.last() != Some(&d_in) || self.bias.len() != d_out {
            bail!(
                "linear: input {:?}, weight {:?}, bias {}",
                dims,
                lw.shape(),
                self.bias.len()
            )
        }
        let rows = x.len() / d_in;
        let mut out = match residual {
            Some(r) if r.len() == rows * d_out => {
                let mut o = r.to_vec();
                for row in o.chunks_exact_mut(d_out) {
                    for (v, b) in row.iter_mut().zip(self.bias) {
                        *v += b;
                    }
                }
                o
            }
            Some(r) => bail!(
                "linear: residual has {} values, expected {}",
                r.len(),
                rows * d_out
            ),
            None => {
                let mut o = Vec::with_capacity(rows * d_out);
                for _ in 0..rows {
                    o.extend_from_slice(self.bias);
                }
                o
            }
        };
        let threads = candle_core::utils::get_num_threads();
        let par = if threads > 1 {
            gemm::Parallelism::Rayon(threads)
        } else {
            gemm::Parallelism::None
        };
        if rows > 0 {
            // SAFETY: `out` is `rows × d_out`, `x` is `rows × d_in` and `wt`
            // is `d_in × d_out`, all row-major and contiguous (checked above);
            // `out` aliases neither input.
            unsafe {
                gemm_rows(
                    (rows, d_out, d_in),
                    out.as_mut_ptr(),
                    d_out,
                    true,
                    x.as_ptr(),
                    d_in,
                    wt.as_ptr(),
                    (d_out, 1),
                    1.0,
                    par,
                );
            }
        }
        let mut shape = dims.to_vec();
        *shape.last_mut().expect("non-empty dims") = d_out;
        Ok((CpuStorage::F32(out), Shape::from(shape)))
    }
}

impl CustomOp2 for LinearOp<'_> {
    fn name(&self) -> &'static str {
        "policyscan-linear"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let x = f32_slice(s1, l1, "linear", "input")?;
        let w = f32_slice(s2, l2, "linear", "weight")?;
        self.run(x, l1, w, l2, None)
    }
}

impl CustomOp3 for LinearOp<'_> {
    fn name(&self) -> &'static str {
        "policyscan-linear-residual"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let x = f32_slice(s1, l1, "linear", "input")?;
        let w = f32_slice(s2, l2, "linear", "weight")?;
        let r = f32_slice(s3, l3, "linear", "residual")?;
        self.run(x, l1, w, l2, Some(r))
    }
}

/// `x·wt + bias`, plus `residual` when given (same shape as the output),
/// for contiguous f32 CPU tensors; `wt` is the pre-transposed `[in, out]`
/// weight and `bias` its host copy.
pub fn linear(x: &Tensor, wt: &Tensor, bias: &[f32], residual: Option<&Tensor>) -> Result<Tensor> {
    let op = LinearOp { bias };
    let x = x.contiguous()?;
    match residual {
        Some(r) => x.apply_op3_no_bwd(wt, &r.contiguous()?, &op),
        None => x.apply_op2_no_bwd(wt, &op),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{D, Device};

    /// Largest absolute element-wise difference of two same-shaped tensors.
    fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
        (a - b)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar::<f32>()
            .unwrap()
    }

    #[test]
    fn erf_matches_libm() {
        let mut worst = 0f32;
        for i in -60_000..=60_000 {
            let x = i as f32 / 10_000.0;
            worst = worst.max((erf_f32(x) - libm_erf(x)).abs());
        }
        assert!(worst < 1e-6, "max |erf error| {worst}");
        // Saturates (no NaN, no overshoot) far out.
        assert!((erf_f32(10.0) - 1.0).abs() < 1e-6 && erf_f32(10.0) <= 1.0);
        assert!((erf_f32(-10.0) + 1.0).abs() < 1e-6);
        assert!(erf_f32(f32::INFINITY) <= 1.0 && erf_f32(f32::NEG_INFINITY) >= -1.0);
    }

    fn libm_erf(x: f32) -> f32 {
        // erf through candle's own (libm) GELU: gelu(x)/x*2-1 = erf(x/√2).
        let t = Tensor::new(&[x * std::f32::consts::SQRT_2], &Device::Cpu).unwrap();
        let g = t.gelu_erf().unwrap().to_vec1::<f32>().unwrap()[0];
        if x == 0.0 {
            0.0
        } else {
            g / (x * std::f32::consts::SQRT_2) * 2.0 - 1.0
        }
    }

    #[test]
    fn gelu_matches_candle() {
        let x = Tensor::randn(0f32, 3.0, (7, 129), &Device::Cpu).unwrap();
        let want = x.gelu_erf().unwrap();
        let got = gelu_erf(x.copy().unwrap()).unwrap();
        let diff = max_abs_diff(&want, &got);
        assert!(diff < 1e-5, "{diff}");
    }

    /// The stock candle formulation, as `bert::Layer` runs it on other devices.
    fn reference(qkv: &Tensor, mask: &Tensor, heads: usize) -> Tensor {
        let (b, t, h3) = qkv.dims3().unwrap();
        let h = h3 / 3;
        let hd = h / heads;
        let split = |y: Tensor| {
            y.reshape((b, t, heads, hd))
                .unwrap()
                .transpose(1, 2)
                .unwrap()
                .contiguous()
                .unwrap()
        };
        let q = split(qkv.narrow(2, 0, h).unwrap());
        let k = split(qkv.narrow(2, h, h).unwrap());
        let v = split(qkv.narrow(2, 2 * h, h).unwrap());
        let m = ((mask - 1.0).unwrap() * 1e9)
            .unwrap()
            .reshape((b, 1, 1, t))
            .unwrap();
        let s = (q.matmul(&k.t().unwrap()).unwrap() / (hd as f64).sqrt())
            .unwrap()
            .broadcast_add(&m)
            .unwrap();
        let p = candle_nn::ops::softmax(&s, D::Minus1).unwrap();
        p.matmul(&v)
            .unwrap()
            .transpose(1, 2)
            .unwrap()
            .contiguous()
            .unwrap()
            .reshape((b, t, h))
            .unwrap()
    }

    #[test]
    fn attention_matches_stock_ops_with_padding() {
        let (b, t, h, heads) = (4, 11, 24, 3);
        let qkv = Tensor::randn(0f32, 1.0, (b, t, 3 * h), &Device::Cpu).unwrap();
        let mut m = vec![1f32; b * t];
        for j in 5..t {
            m[t + j] = 0.0; // second row: 5 tokens
        }
        m[2 * t + t - 1] = 0.0; // third row: one pad
        m[3 * t] = 0.0; // fourth row: left padding (the non-gemm path)
        m[3 * t + 1] = 0.0;
        let mask = Tensor::from_vec(m, (b, t), &Device::Cpu).unwrap();
        let want = reference(&qkv, &mask, heads);
        let got = attention(&qkv, &mask, heads).unwrap();
        let diff = max_abs_diff(&want, &got);
        assert!(diff < 1e-5, "{diff}");
    }

    #[test]
    fn linear_matches_matmul_plus_bias_plus_residual() {
        let d = &Device::Cpu;
        let x = Tensor::randn(0f32, 1.0, (3, 5, 16), d).unwrap();
        let wt = Tensor::randn(0f32, 1.0, (16, 24), d).unwrap();
        let b = Tensor::randn(0f32, 1.0, 24, d).unwrap();
        let r = Tensor::randn(0f32, 1.0, (3, 5, 24), d).unwrap();
        let bias = b.to_vec1::<f32>().unwrap();
        let want = x
            .reshape((15, 16))
            .unwrap()
            .matmul(&wt)
            .unwrap()
            .broadcast_add(&b)
            .unwrap()
            .reshape((3, 5, 24))
            .unwrap();
        let got = linear(&x, &wt, &bias, None).unwrap();
        assert_eq!(got.dims(), &[3, 5, 24]);
        assert!(max_abs_diff(&want, &got) < 1e-4);
        let got = linear(&x, &wt, &bias, Some(&r)).unwrap();
        assert!(max_abs_diff(&(want + r).unwrap(), &got) < 1e-4);
        assert!(linear(&x, &wt, &bias[..3], None).is_err());
    }

    #[test]
    fn attention_rejects_mismatched_shapes() {
        let qkv = Tensor::zeros((2, 4, 12), candle_core::DType::F32, &Device::Cpu).unwrap();
        let mask = Tensor::ones((2, 5), candle_core::DType::F32, &Device::Cpu).unwrap();
        assert!(attention(&qkv, &mask, 2).is_err());
    }
}
