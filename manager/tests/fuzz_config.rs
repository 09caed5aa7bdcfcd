//! The config loader never panics on mutated configs (seeds: `fuzz/corpus/config`
//! and `examples/*.toml`), and every error it gives names a position or a file.
#![allow(clippy::unwrap_used)] // Tests may unwrap.

#[path = "../../fuzz/mutate.rs"]
mod mutate;

use manager::Config;
use proptest::prelude::*;

fn seeds() -> Vec<Vec<u8>> {
    let mut files = mutate::corpus("config");
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    for e in std::fs::read_dir(examples).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            files.push(p);
        }
    }
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutated_configs_never_panic(pick in any::<usize>(), edits in mutate::edits(6)) {
        let seeds = seeds();
        let bytes = mutate::apply(&seeds[pick % seeds.len()], &edits);
        let text = String::from_utf8_lossy(&bytes);
        if let Err(e) = Config::from_toml(&text, Some(std::path::Path::new("fuzz.toml"))) {
            let shown = e.to_string();
            prop_assert!(shown.starts_with("fuzz.toml"), "{}", shown);
        }
    }
}

#[test]
fn every_config_seed_is_read_without_panic() {
    for seed in seeds() {
        let _ = Config::from_toml(&String::from_utf8_lossy(&seed), None);
    }
}
