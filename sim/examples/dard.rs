//! Simulated conversations with a dard pipeline, in process: the agenda user
//! plays the goals of a split (or generated goals) against `Dard::session()`
//! and prints the ConvLab-style figures.
//!
//! ```text
//! cargo run --release -p dard-sim --example dard -- [val|test|generated] [N] [config.toml]
//! ```
//! Writes every dialog as one JSON line to `$SIM_OUT` when set. Until
//! `dard simulate` lands this is the way to measure a pipeline with the simulator.

use std::io::Write as _;
use std::sync::Arc;

use manager::{Dard, Session};
use multiwoz::db::Database;
use multiwoz::model::Split;
use sim::generate::Generator;
use sim::goal::goals_of;
use sim::{
    AgendaUser, DialogRecord, Nlg, Record, Reply, Summary, System, SystemError, SystemTurn, play,
};

/// A dard session as the simulator's system under test.
struct SessionSystem(Session);

impl System for SessionSystem {
    fn reply<'a>(&'a mut self, user: &'a str) -> Reply<'a> {
        Box::pin(async move {
            let out = self.0.turn(user).await.map_err(SystemError::new)?;
            Ok(SystemTurn {
                text: out.reply,
                delex: out.delex_reply,
                domain: Some(out.domain),
                reason: out.reason,
                record: out.db.record.map(|r| Record {
                    id: r.id,
                    fields: r.fields,
                }),
                count: Some(out.db.count),
                state: out.state,
            })
        })
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let which = args.first().map_or("val", String::as_str).to_string();
    let n: usize = args.get(1).map_or(Ok(100), |s| s.parse())?;
    let rt = tokio::runtime::Runtime::new()?;
    let mut builder = Dard::builder();
    if let Some(path) = args.get(2) {
        builder = builder.config_file(path);
    }
    let start = std::time::Instant::now();
    let dard = builder.build()?;
    let layout = multiwoz::locate::locate(None)?;
    let val = multiwoz::load::load_splits(&layout, &[Split::Val])?;
    let db: Arc<Database> = dard.database().clone();
    let nlg = Arc::new(Nlg::mine(&val, &sim::nlg::database_values(&db)));
    let goals = match which.as_str() {
        "generated" => Generator::new(goals_of(&val), &db).generate(1, n),
        "test" => goals_of(&multiwoz::load::load_splits(&layout, &[Split::Test])?),
        _ => goals_of(&val),
    };
    let goals: Vec<_> = goals.into_iter().take(n).collect();
    eprintln!(
        "{} goals, {} templates, ready in {:.1}s",
        goals.len(),
        nlg.len(),
        start.elapsed().as_secs_f64()
    );
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunks: Vec<Vec<_>> = goals
        .chunks(goals.len().div_ceil(threads).max(1))
        .map(<[_]>::to_vec)
        .collect();
    let start = std::time::Instant::now();
    let mut dialogs: Vec<DialogRecord> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let (dard, nlg, db, handle) =
                    (dard.clone(), nlg.clone(), db.clone(), rt.handle().clone());
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|g| {
                            let mut user = AgendaUser::new(g, &nlg, 7, 20);
                            let mut system = SessionSystem(dard.session_keyed(&g.id));
                            handle.block_on(play(g, &mut user, &mut system, &db))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    dialogs.sort_by(|a, b| a.id.cmp(&b.id));
    eprintln!(
        "{} dialogs in {:.1}s",
        dialogs.len(),
        start.elapsed().as_secs_f64()
    );
    if let Some(path) = std::env::var_os("SIM_OUT") {
        let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
        for d in &dialogs {
            serde_json::to_writer(&mut f, d)?;
            writeln!(f)?;
        }
    }
    println!("{}", Summary::of(&dialogs).markdown());
    Ok(())
}
