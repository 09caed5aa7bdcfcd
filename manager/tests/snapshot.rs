//! A session stored as a [`SessionSnapshot`] and resumed elsewhere answers the
//! next turn exactly as the original session would have: what `dard serve`
//! relies on when another replica continues a dialog.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod support;

use manager::{Dard, SessionSnapshot, TurnOutcome};

/// A built-in pipeline on the synthetic fixtures (no model, deterministic).
fn builtin_dard() -> Dard {
    let (db, dialogs) = support::data();
    Dard::builder()
        .database(db)
        .dialogs(dialogs)
        .build()
        .unwrap()
}

/// An outcome without its wall-clock times, which differ between runs.
fn timeless(mut outcome: TurnOutcome) -> TurnOutcome {
    outcome.latency = Default::default();
    for stage in &mut outcome.stages {
        stage.latency = Default::default();
        for usage in &mut stage.usage {
            usage.call.latency = Default::default();
        }
    }
    outcome
}

const TURNS: [&str; 4] = [
    "i want a cheap italian restaurant in the centre .",
    "great , please book it for 2 people on monday at 18:00 .",
    "i also need a taxi to the museum of toys after that .",
    "thank you , goodbye .",
];

#[tokio::test]
async fn resumed_session_answers_the_next_turn_as_the_original() {
    let dard = builtin_dard();
    let other = builtin_dard();
    // Stop after every prefix of the dialog; the booking turn makes up a
    // reference from the session's seed, the taxi turn a car.
    for cut in 0..TURNS.len() {
        // A few sessions first, so that the original's number differs from
        // the numbers the resumed sessions get.
        let _ = (dard.session(), dard.session());
        let mut original = dard.session();
        for text in &TURNS[..cut] {
            original.turn(text).await.unwrap();
        }
        let json = serde_json::to_string(&original.snapshot()).unwrap();
        let expected = timeless(original.turn(TURNS[cut]).await.unwrap());
        // Resume through JSON on the same pipeline and on a second pipeline
        // built from the same inputs (another replica).
        for pipeline in [&dard, &other] {
            let snapshot: SessionSnapshot = serde_json::from_str(&json).unwrap();
            let mut resumed = pipeline.resume(snapshot);
            let got = timeless(resumed.turn(TURNS[cut]).await.unwrap());
            assert_eq!(got, expected, "turn {cut} after resuming");
            assert_eq!(resumed.snapshot(), original.snapshot());
        }
    }
}

#[tokio::test]
async fn snapshot_round_trips_through_json() {
    let dard = builtin_dard();
    let mut session = dard.session();
    session.turn(TURNS[0]).await.unwrap();
    let snapshot = session.snapshot();
    let json = serde_json::to_string(&snapshot).unwrap();
    assert_eq!(
        serde_json::from_str::<SessionSnapshot>(&json).unwrap(),
        snapshot
    );
    let resumed = dard.resume(snapshot.clone());
    assert_eq!(resumed.history(), session.history());
    assert_eq!(resumed.snapshot(), snapshot);
}
