//! The prediction reader never panics on mutated prediction files (seeds:
//! `fuzz/corpus/predictions`).
#![allow(clippy::unwrap_used)] // Tests may unwrap.

#[path = "../../fuzz/mutate.rs"]
mod mutate;

use eval::Predictions;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutated_prediction_files_never_panic(pick in any::<usize>(), edits in mutate::edits(6)) {
        let seeds = mutate::corpus("predictions");
        let seed = std::fs::read(&seeds[pick % seeds.len()]).unwrap();
        let bytes = mutate::apply(&seed, &edits);
        let _ = Predictions::from_slice(&bytes, "fuzz.json");
    }
}

#[test]
fn every_prediction_seed_reads() {
    for seed in mutate::corpus("predictions") {
        Predictions::from_slice(&std::fs::read(&seed).unwrap(), "seed").unwrap();
    }
}
