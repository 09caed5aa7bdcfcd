//! Parity of `multiwoz::moses` with sacremoses 0.2.0 on synthetic strings.
//!
//! `fixtures/moses_cases.json` holds hand-picked and randomly generated
//! strings (quotes, apostrophes, brackets, URLs, numbers with commas and dots,
//! dashes, XML-special and non-ASCII characters, odd whitespace) with the
//! outputs of sacremoses' `MosesTokenizer(lang="en").tokenize` and
//! `MosesDetokenizer(lang="en").detokenize` at default options. It was written
//! by a Python script kept outside the repository; it contains no dialog text.

use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    tokenize: Vec<TokenizeCase>,
    detokenize: Vec<DetokenizeCase>,
}

/// A string, its sacremoses tokens, and the detokenization of those tokens.
#[derive(Deserialize)]
struct TokenizeCase {
    input: String,
    tokens: Vec<String>,
    roundtrip: String,
}

/// An arbitrary token list and its sacremoses detokenization.
#[derive(Deserialize)]
struct DetokenizeCase {
    tokens: Vec<String>,
    output: String,
}

fn fixture() -> Fixture {
    serde_json::from_str(include_str!("fixtures/moses_cases.json")).expect("fixture parses")
}

/// Asserts that no case failed, listing the first failures.
fn assert_all_agree(what: &str, total: usize, failures: &[String]) {
    assert!(total > 0, "{what}: fixture is empty");
    assert!(
        failures.is_empty(),
        "{what}: {} of {total} cases differ from sacremoses; first ones:\n{}",
        failures.len(),
        failures[..failures.len().min(10)].join("\n")
    );
}

#[test]
fn moses_tokenize_matches_sacremoses_on_synthetic_cases() {
    let cases = fixture().tokenize;
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let got = multiwoz::moses::tokenize(&c.input);
            (got != c.tokens).then(|| format!("{:?}: got {got:?}, want {:?}", c.input, c.tokens))
        })
        .collect();
    assert_all_agree("tokenize", cases.len(), &failures);
}

#[test]
fn moses_detokenize_of_tokenizer_output_matches_sacremoses() {
    let cases = fixture().tokenize;
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let got = multiwoz::moses::detokenize(&c.tokens);
            (got != c.roundtrip)
                .then(|| format!("{:?}: got {got:?}, want {:?}", c.tokens, c.roundtrip))
        })
        .collect();
    assert_all_agree("detokenize(tokenize)", cases.len(), &failures);
}

#[test]
fn moses_detokenize_matches_sacremoses_on_arbitrary_tokens() {
    let cases = fixture().detokenize;
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let got = multiwoz::moses::detokenize(&c.tokens);
            (got != c.output).then(|| format!("{:?}: got {got:?}, want {:?}", c.tokens, c.output))
        })
        .collect();
    assert_all_agree("detokenize", cases.len(), &failures);
}

#[test]
fn moses_fixture_covers_the_tricky_rules() {
    // Guards against the fixture silently losing the cases that exercise the
    // rarely hit rules (numeric-only prefixes, dot runs, trailing ".'", quotes).
    let cases = fixture().tokenize;
    for input in [
        "No. 5 please",
        "No. five",
        "Wait... what?",
        "a.'",
        "the Jones' house",
        "It costs 5,300 pounds.",
    ] {
        assert!(
            cases.iter().any(|c| c.input == input),
            "fixture lacks {input:?}"
        );
    }
}

#[test]
fn moses_detokenize_accepts_str_slices_and_strings_alike() {
    let owned = vec![
        "a".to_owned(),
        "&amp;".to_owned(),
        "b".to_owned(),
        ".".to_owned(),
    ];
    let borrowed = ["a", "&amp;", "b", "."];
    assert_eq!(multiwoz::moses::detokenize(&owned), "a & b.");
    assert_eq!(multiwoz::moses::detokenize(&borrowed), "a & b.");
}

#[test]
fn round_trip_matches_sacremoses_on_synthetic_cases() {
    let cases = fixture().tokenize;
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            let got = multiwoz::moses::round_trip(&c.input);
            (got != c.roundtrip)
                .then(|| format!("{:?}: got {got:?}, want {:?}", c.input, c.roundtrip))
        })
        .collect();
    assert_all_agree("round_trip", cases.len(), &failures);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    /// The one-pass round trip is the two steps, on text made of the characters
    /// every rule and escape looks at (entities, `@-@`, dot runs and their
    /// stand-ins, quotes, clitics, numbers, brackets, non-ASCII).
    #[test]
    fn round_trip_is_tokenize_then_detokenize(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "a", "B", "7", "1,000", " ", "  ", ".", "..", "...", ",", "'", "\"", "`", "&",
                "&amp;", "&lt;", "&#91;", "&apos;s", "|", "<", ">", "[", "]", "(", ")", "$",
                "@-@", " @-@ ", "-", "--", "DOT", "DOTMULTI", "Mr.", "n't", "'s", "é", "中",
                "€", "?", "!", ":", ";", "%", "\t", "\u{1}", "[value_name]", "it's", "u.s.",
            ]),
            0..24,
        )
    ) {
        let text: String = parts.concat();
        let two_steps = multiwoz::moses::detokenize(&multiwoz::moses::tokenize(&text));
        proptest::prop_assert_eq!(multiwoz::moses::round_trip(&text), two_steps);
    }
}
