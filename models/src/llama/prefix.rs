//! Prompt evaluation with a pinned static prefix.
//!
//! Each request names how much of its prompt is static (the stage's system
//! prompt and fixed examples). That prefix is evaluated once from an empty
//! cache, in `n_batch` chunks, and its KV-cache state is kept as a snapshot
//! ("pinned"); every call then starts from an empty cache, restores the
//! snapshot and evaluates only its own suffix, in chunks that start where the
//! prefix ends. The cache holds the same cells in the same places on every
//! path — first call, later call, reuse switched off (the snapshot is taken
//! and restored but not kept), whatever ran before — so greedy outputs are
//! byte-identical whatever the order, concurrency or reuse setting.

use llama_cpp_2::LlamaStateSeqFlags;
use llama_cpp_2::SeqState;
use llama_cpp_2::token::LlamaToken;

use super::engine::{Session, eval_err, pos_i32};
use super::error::LlamaError;
use super::text::common_prefix_len;

/// How many pinned prefixes a model keeps: one per stage (router, tracker,
/// seven domain agents, the simulated customer) with room to spare. Gemma 3
/// 270M's KV state is about 18 KB a token, so a 500-token prefix is 9 MB.
const MAX_PINS: usize = 16;

/// A static prefix's tokens and the KV-cache state they leave.
pub(crate) struct Pin {
    tokens: Vec<LlamaToken>,
    state: SeqState,
}

/// Where a prompt cancelled between two chunks stopped; the same prompt asked
/// again continues from there, as nothing touched the cache in between.
pub(crate) struct Resume {
    tokens: Vec<LlamaToken>,
    prefix: usize,
    next: usize,
}

impl Session<'_> {
    /// How many leading tokens of `tokens` belong to the static prefix whose
    /// text is `prefix_text`: the common prefix of its own tokenization and the
    /// prompt's (a token that merges across the boundary is left to the suffix),
    /// always leaving the last prompt token to the suffix for its logits.
    pub(crate) fn static_tokens(&self, prefix_text: &str, tokens: &[LlamaToken]) -> usize {
        if prefix_text.is_empty() {
            return 0;
        }
        let own = self.tokenize(prefix_text);
        common_prefix_len(&own, tokens).min(tokens.len().saturating_sub(1))
    }

    /// Brings the KV cache to hold `tokens` minus the last, the first `prefix`
    /// of them from the pinned snapshot when there is one. Returns how many
    /// prompt tokens this call did not evaluate, and the batch index holding
    /// the logits, or `None` there when `cancelled` turned true between two
    /// chunks.
    pub(crate) fn eval_prompt(
        &mut self,
        tokens: &[LlamaToken],
        prefix: usize,
        cancelled: &dyn Fn() -> bool,
    ) -> Result<(usize, Option<i32>), LlamaError> {
        let resumed = self
            .resume
            .take()
            .filter(|r| r.prefix == prefix && r.tokens == tokens)
            .map(|r| r.next);
        let mut next = match resumed {
            Some(next) => next,
            None => {
                self.ctx.clear_kv_cache();
                self.cached.clear();
                self.restore_pin(&tokens[..prefix])
            }
        };
        let reused = next;
        let prefix_evaluated_here = next < prefix;
        while next < prefix {
            if cancelled() {
                self.pause(tokens, prefix, next);
                return Ok((reused, None));
            }
            let end = (next + self.n_batch).min(prefix);
            self.eval_chunk(&tokens[next..end], next, false)?;
            next = end;
        }
        if prefix_evaluated_here {
            self.snapshot_and_restore(&tokens[..prefix])?;
        }
        let mut logits_at = 0;
        while next < tokens.len() {
            if cancelled() {
                self.pause(tokens, prefix, next);
                return Ok((reused, None));
            }
            let end = (next + self.n_batch).min(tokens.len());
            logits_at = self.eval_chunk(&tokens[next..end], next, end == tokens.len())?;
            next = end;
        }
        Ok((reused, Some(logits_at)))
    }

    /// Evaluates `chunk` at positions from `start`; with `logits`, asks for the
    /// last token's logits and returns its batch index.
    fn eval_chunk(
        &mut self,
        chunk: &[LlamaToken],
        start: usize,
        logits: bool,
    ) -> Result<i32, LlamaError> {
        self.batch.clear();
        for (i, &tok) in chunk.iter().enumerate() {
            let last = logits && i + 1 == chunk.len();
            self.batch
                .add(tok, pos_i32(start + i), &[0], last)
                .map_err(|e| eval_err("decode", e))?;
        }
        if let Err(e) = self.ctx.decode(&mut self.batch) {
            self.reset();
            return Err(eval_err("decode", e));
        }
        self.cached.extend_from_slice(chunk);
        Ok(pos_i32(chunk.len().saturating_sub(1)))
    }

    /// Restores the snapshot pinned for `prefix` into the empty cache; returns
    /// how many tokens it holds (0 when none is pinned or it cannot be restored).
    fn restore_pin(&mut self, prefix: &[LlamaToken]) -> usize {
        if prefix.is_empty() || !self.prefix_reuse {
            return 0;
        }
        let Some(at) = self.pins.iter().position(|p| p.tokens == prefix) else {
            return 0;
        };
        // Most recently used first, so the least used is dropped when full.
        let pin = self.pins.remove(at);
        let restored = self.ctx.state_seq_set(&pin.state, 0).is_ok();
        self.pins.insert(0, pin);
        if restored {
            self.cached.extend_from_slice(prefix);
            prefix.len()
        } else {
            self.ctx.clear_kv_cache();
            0
        }
    }

    /// After evaluating a prefix: takes its snapshot, empties the cache and
    /// restores the snapshot, so that the suffix meets the same cache as a call
    /// that found the prefix pinned; keeps the snapshot when reuse is on.
    fn snapshot_and_restore(&mut self, prefix: &[LlamaToken]) -> Result<(), LlamaError> {
        let state = self
            .ctx
            .state_seq_get(0, LlamaStateSeqFlags::empty())
            .map_err(|e| eval_err("snapshot", e))?;
        self.ctx.clear_kv_cache();
        if let Err(e) = self.ctx.state_seq_set(&state, 0) {
            self.reset();
            return Err(eval_err("snapshot", e));
        }
        if self.prefix_reuse {
            self.pins.insert(
                0,
                Pin {
                    tokens: prefix.to_vec(),
                    state,
                },
            );
            self.pins.truncate(MAX_PINS);
        }
        Ok(())
    }

    /// Remembers where a cancelled prompt stopped.
    fn pause(&mut self, tokens: &[LlamaToken], prefix: usize, next: usize) {
        self.resume = Some(Resume {
            tokens: tokens.to_vec(),
            prefix,
            next,
        });
    }
}
