//! Property tests: the loaders never panic on random, truncated or mutated input;
//! they return a typed error or dialogs.

// Tests may unwrap (project standard); the workspace lint is for library code.
#![allow(clippy::unwrap_used)]

use std::io::Write;

use multiwoz::error::{LoadError, Location};
use multiwoz::load::{parse_original, read_bytes};
use proptest::prelude::*;

/// A valid original-format file with two dialogs, covering every field the loader reads.
const VALID: &str = r#"{"SNG1": {"goal": {"hotel": {"info": {"area": "east"}, "reqt": ["phone"],
  "book": {"people": "2", "invalid": false}}, "taxi": {}, "message": ["m"], "topic": {"hotel": true}},
  "log": [{"text": "a hotel in the east", "metadata": {}, "dialog_act": {"Hotel-Inform": [["Area", "east"]]},
           "span_info": [["Hotel-Inform", "Area", "east", 4, 4]]},
          {"text": "Allenbell ?", "metadata": {"hotel": {"semi": {"area": "east"}, "book": {"booked": [{"name": "x"}], "people": "2"}}},
           "dialog_act": {}, "span_info": [["Hotel-Inform", "Name", "Allenbell", 0, 9]]}]},
  "SNG2": {"goal": {}, "log": []}}"#;

fn at() -> Location {
    Location::file("fuzz.json")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_original(&bytes, &at(), None, None);
    }

    #[test]
    fn truncated_valid_file_is_an_error_not_a_panic(cut in 0usize..VALID.len()) {
        let r = parse_original(&VALID.as_bytes()[..cut], &at(), None, None);
        prop_assert!(r.is_err());
    }

    #[test]
    fn mutated_valid_file_never_panics(pos in 0usize..VALID.len(), byte in any::<u8>()) {
        let mut bytes = VALID.as_bytes().to_vec();
        bytes[pos] = byte;
        match parse_original(&bytes, &at(), None, None) {
            Ok(dialogs) => {
                // Delexicalizing whatever spans survived must not panic either.
                for d in &dialogs {
                    for t in &d.turns {
                        let _ = multiwoz::lex::delexicalize(t);
                    }
                }
                let _ = multiwoz::evaldata::EvalData::derive(&dialogs);
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn truncated_zip_is_an_error_not_a_panic(cut in 0usize..400) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("test.json.zip");
        let mut buf = Vec::new();
        {
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut buf));
            zip.start_file("test.json", zip::write::SimpleFileOptions::default()).unwrap();
            zip.write_all(VALID.as_bytes()).unwrap();
            zip.finish().unwrap();
        }
        let cut = cut.min(buf.len().saturating_sub(1));
        std::fs::write(&path, &buf[..cut]).unwrap();
        let r = read_bytes(&path, None);
        let typed = matches!(r, Ok(_) | Err(LoadError::Zip { .. }) | Err(LoadError::MissingMember { .. }));
        prop_assert!(typed, "unexpected result {:?}", r.map(|(b, _)| b.len()));
    }
}

#[test]
fn the_valid_fixture_loads() {
    let dialogs = parse_original(VALID.as_bytes(), &at(), None, None).unwrap();
    assert_eq!(dialogs.len(), 2);
    assert_eq!(dialogs[0].turns.len(), 2);
}
