//! Deterministic pseudo-random inputs for the kernel tests (a linear congruential generator):
//! the same values on every run and machine.

/// `n` values in −0.5..0.5 from `seed`.
pub(crate) fn pseudo_random(n: usize, seed: u32) -> Vec<f32> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        })
        .collect()
}
