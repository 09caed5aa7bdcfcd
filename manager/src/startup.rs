//! What building a pipeline loads, and only when the configuration needs it: the
//! example dialogs (few-shot examples, the built-in default's training data) and
//! the built-in default itself, read from its start-up cache when possible.

use std::path::PathBuf;
use std::time::Instant;

use agents::builtin::{Builtin, BuiltinCache};
use multiwoz::db::Database;
use multiwoz::locate::DataLayout;
use multiwoz::model::{Dialog, Split};

use crate::config::Config;
use crate::error::BuildError;
use crate::grounding;

/// The built-in default, from the start-up cache ([`BuiltinCache`]; it loads
/// the example dialogs and trains only when it has no valid entry), or trained
/// on `loaded` (the example dialogs, when the pipeline loaded them anyway)
/// where there is no cache or no data folder to key it by.
pub(crate) fn builtin(
    config: &Config,
    db: &Database,
    loaded: Option<&[Dialog]>,
    layout: Option<&DataLayout>,
) -> Result<Builtin, BuildError> {
    let values = grounding::db_values(db);
    let Some(layout) = layout else {
        return Ok(Builtin::from_parts(values, loaded.unwrap_or(&[])));
    };
    let sources: Vec<PathBuf> = example_splits(config, layout)
        .into_iter()
        .flat_map(|s| multiwoz::load::split_sources(layout, s))
        .collect();
    let load = || match loaded {
        Some(d) => Ok(d.to_vec()),
        None => load_examples(config, layout),
    };
    match BuiltinCache::from_env() {
        Some(cache) if !sources.is_empty() => {
            let started = Instant::now();
            let (builtin, status) = cache.load_or_train(&values, &sources, load)?;
            tracing::debug!(
                ?status,
                ms = started.elapsed().as_secs_f64() * 1e3,
                "built-in default ready"
            );
            Ok(builtin)
        }
        _ => Ok(Builtin::from_parts(values, &load()?)),
    }
}

/// The non-test splits of `config.prompts.example_splits` the folder has: what
/// few-shot examples are drawn from and the built-in default learns from.
fn example_splits(config: &Config, layout: &DataLayout) -> Vec<Split> {
    let available = layout.dialogs.splits();
    config
        .prompts
        .example_splits
        .iter()
        .copied()
        .filter(|s| *s != Split::Test && available.contains(s))
        .collect()
}

/// The dialogs of [`example_splits`].
pub(crate) fn load_examples(
    config: &Config,
    layout: &DataLayout,
) -> Result<Vec<Dialog>, BuildError> {
    let splits = example_splits(config, layout);
    if splits.is_empty() {
        tracing::warn!(root = %layout.root.display(), "no train or val dialogs: no examples, untrained built-in router");
        return Ok(Vec::new());
    }
    multiwoz::load::load_splits(layout, &splits).map_err(|e| BuildError::Data {
        message: e.to_string(),
    })
}
