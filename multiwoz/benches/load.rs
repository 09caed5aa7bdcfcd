//! Benchmark of loading the MultiWOZ test and val splits and the database.

use criterion::{Criterion, criterion_group, criterion_main};

fn bench_load(c: &mut Criterion) {
    let Ok(layout) = multiwoz::locate::locate(None) else {
        eprintln!("no MultiWOZ data found; skipping the load benchmark");
        return;
    };
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    group.bench_function("test+val dialogs", |b| {
        b.iter(|| {
            multiwoz::load::load_splits(&layout, &[multiwoz::model::Split::Test, multiwoz::model::Split::Val])
                .map(|d| d.len())
                .unwrap_or(0)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_load);
criterion_main!(benches);
