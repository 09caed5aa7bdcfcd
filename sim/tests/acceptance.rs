//! The measure's sanity: an oracle succeeds, an apologizing system fails, a
//! system without booking references books nothing — on goals generated
//! from the shared data (`$DARD_DATA`, else `../shared/multiwoz`).

#![allow(clippy::unwrap_used)] // Tests may unwrap.

use std::path::{Path, PathBuf};

use multiwoz::db::Database;
use multiwoz::locate::{DataLayout, locate_from};
use multiwoz::model::{Dialog, Split};
use sim::generate::Generator;
use sim::goal::{Goal, goals_of};
use sim::testing::{Oracle, Sorry};
use sim::{AgendaUser, DialogRecord, Nlg, Summary, System, play};

fn shared() -> DataLayout {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let env = std::env::var_os("DARD_DATA").map(PathBuf::from);
    match locate_from(None, env.as_deref(), &root) {
        Ok(l) => l,
        Err(e) => panic!("these tests need the MultiWOZ data next to the repository: {e}"),
    }
}

struct Fixture {
    db: Database,
    nlg: Nlg,
    goals: Vec<Goal>,
}

fn fixture(count: usize) -> Fixture {
    let layout = shared();
    let val: Vec<Dialog> = multiwoz::load::load_splits(&layout, &[Split::Val]).unwrap();
    let db = Database::load(layout.db_dir.as_ref().unwrap()).unwrap();
    let nlg = Nlg::mine(&val, &sim::nlg::database_values(&db));
    let goals = Generator::new(goals_of(&val), &db).generate(1, count);
    Fixture { db, nlg, goals }
}

#[allow(clippy::needless_lifetimes)] // The boxed systems borrow the fixture's database.
fn run<'f>(f: &'f Fixture, make: impl Fn(&Goal) -> Box<dyn System + 'f>) -> Vec<DialogRecord> {
    f.goals
        .iter()
        .map(|g| {
            let mut user = AgendaUser::new(g, &f.nlg, 7, 20);
            let mut system = make(g);
            futures::executor::block_on(play(g, &mut user, system.as_mut(), &f.db))
        })
        .collect()
}

#[test]
fn oracle_succeeds_on_200_generated_goals() {
    let f = fixture(200);
    let dialogs = run(&f, |g| Box::new(Oracle::new(g, &f.db)));
    let s = Summary::of(&dialogs);
    let failed: Vec<&DialogRecord> = dialogs
        .iter()
        .filter(|d| !d.score.success)
        .take(3)
        .collect();
    assert!(
        s.success >= 98.0,
        "success {:.1}; failures: {failed:#?}",
        s.success
    );
    assert!(s.complete >= 98.0, "complete {:.1}", s.complete);
    assert!(s.book_rate >= 98.0, "book {:.1}", s.book_rate);
}

#[test]
fn apologizing_system_never_succeeds() {
    let f = fixture(100);
    let dialogs = run(&f, |_| Box::new(Sorry));
    let s = Summary::of(&dialogs);
    assert_eq!(s.success, 0.0);
    assert_eq!(s.complete, 0.0);
}

#[test]
fn system_without_references_books_nothing() {
    let f = fixture(100);
    let booking: Vec<&Goal> = f.goals.iter().filter(|g| g.wants_booking()).collect();
    assert!(
        booking.len() > 20,
        "too few booking goals: {}",
        booking.len()
    );
    let dialogs = run(&f, |g| Box::new(Oracle::without_references(g, &f.db)));
    let s = Summary::of(dialogs.iter().filter(|d| d.goal.wants_booking()));
    assert_eq!(s.book_rate, 0.0);
    assert_eq!(s.success, 0.0);
}
