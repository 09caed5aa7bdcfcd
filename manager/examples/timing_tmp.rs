use std::time::Instant;
fn main() {
    let t = Instant::now();
    let layout = multiwoz::locate::locate(None).unwrap();
    let dialogs = multiwoz::load::load_splits(&layout, &[multiwoz::model::Split::Val]).unwrap();
    println!("load val: {:?} ({} dialogs)", t.elapsed(), dialogs.len());
    let t = Instant::now();
    let db = multiwoz::db::Database::load(layout.db_dir.as_ref().unwrap()).unwrap();
    println!("load db: {:?}", t.elapsed());
    let t = Instant::now();
    let pool = agents::prompt::ExamplePool::build(&dialogs, 3);
    println!("pool: {:?} ({} examples)", t.elapsed(), pool.len());
    let t = Instant::now();
    let b = agents::builtin::Builtin::from_parts(manager::grounding::db_values(&db), &dialogs);
    println!("builtin: {:?}", t.elapsed());
    drop(b);
    let t = Instant::now();
    let dard = manager::Dard::builder().database(std::sync::Arc::new(db)).dialogs(dialogs.clone()).build().unwrap();
    println!("dard build (given data): {:?}", t.elapsed());
    let p = dard.prompter();
    let h = [agents::roles::Utterance::user("i need a cheap hotel with free parking in the north")];
    let st = agents::roles::DialogState::new();
    let t = Instant::now();
    for _ in 0..100 { let _ = p.route(&agents::roles::RouteInput{history:&h, state:&st, dialog_id:None}); }
    println!("route prompt x100: {:?}", t.elapsed());
    println!("{}", p.route(&agents::roles::RouteInput{history:&h, state:&st, dialog_id:None}).user);
}
