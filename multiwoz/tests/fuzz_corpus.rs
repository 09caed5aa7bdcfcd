//! The dialog loader never panics on mutated dialog files (seeds:
//! `fuzz/corpus/dialogs`).
#![allow(clippy::unwrap_used)] // Tests may unwrap.

#[path = "../../fuzz/mutate.rs"]
mod mutate;

use multiwoz::error::Location;
use multiwoz::load::parse_original;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutated_dialog_files_never_panic(pick in any::<usize>(), edits in mutate::edits(6)) {
        let seeds = mutate::corpus("dialogs");
        let seed = std::fs::read(&seeds[pick % seeds.len()]).unwrap();
        let bytes = mutate::apply(&seed, &edits);
        let _ = parse_original(&bytes, &Location::file("fuzz.json"), None, None);
    }
}

#[test]
fn every_dialog_seed_loads() {
    for seed in mutate::corpus("dialogs") {
        let dialogs = parse_original(
            &std::fs::read(&seed).unwrap(),
            &Location::file("seed"),
            None,
            None,
        )
        .unwrap();
        assert!(!dialogs.is_empty());
    }
}
