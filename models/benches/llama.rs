//! Throughput figures of the llama backend (printed, not asserted):
//!
//! * generation tokens/s, and prompt-processing tokens/s, of [`LlamaModel`];
//! * the same figures from llama.cpp's own `llama-bench` when `LLAMA_BENCH_BIN`
//!   names one built from the llama.cpp that llama-cpp-sys-2 vendors, and the ratio;
//! * the prompt time of a stage's turn-2 call with its static prefix pinned
//!   against the same call with reuse off (the outputs must be equal).
//!
//! ```text
//! DARD_TEST_GGUF=/path/gemma-3-270m-q4_k_m.gguf DARD_BENCH_THREADS=1 \
//! LLAMA_BENCH_BIN=/path/llama-bench cargo bench -p dard-models --features llama --bench llama
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use models::llama::{GenerateRequest, LlamaConfig, LlamaModel, Prompt, Turn, TurnRole};

const GEN_TOKENS: u32 = 128;
const PROMPT_TOKENS: usize = 512;
const REPS: usize = 5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The best of several rates: on a shared machine the least disturbed run is
/// the most comparable figure.
fn best(v: &[f64]) -> f64 {
    v.iter().copied().fold(0.0, f64::max)
}

/// A stage's call for turn `n_user_turns` of a dialog, in the shape dard's
/// agents send it: a long static head (system prompt, fixed few-shot
/// examples), then the turn's own conversation.
fn stage_call(n_user_turns: usize) -> GenerateRequest {
    let system = "You are the hotel agent of a Cambridge travel information desk. You answer \
         the user's last message in one or two sentences, using only the facts in the \
         database results. Never invent an address or a phone number.";
    let mut examples = String::new();
    for i in 0..12 {
        examples.push_str(&format!(
            "Example {}:\nuser: I need a guesthouse in the north for {} nights with free parking.\n\
             Reply: Acorn Guest House is a moderately priced guesthouse in the north with \
             free parking and wifi. Shall I book it for {} nights?\n\n",
            i + 1,
            i + 2,
            i + 2
        ));
    }
    let users = [
        "I am looking for a cheap hotel in the centre.",
        "Yes, with free wifi please. It is for three people.",
        "From Friday, for two nights.",
        "Thanks. Can you also give me the postcode?",
    ];
    let mut conversation = String::from("Conversation:\n");
    for (i, u) in users.iter().take(n_user_turns).enumerate() {
        conversation.push_str(&format!("user: {u}\n"));
        if i + 1 < n_user_turns {
            conversation.push_str(
                "system: The Alexander Bed and Breakfast is cheap and in the centre. Shall I book it?\n",
            );
        }
    }
    conversation.push_str("\nReply:");
    GenerateRequest::new(Prompt::Chat(vec![
        Turn::new(TurnRole::System, system),
        Turn::new(TurnRole::User, format!("{examples}{conversation}")),
    ]))
    .with_static_prefix(examples.len())
    .with_stop(["\n"])
    .with_max_tokens(16)
}

/// llama-bench's mean tokens/s for pp (`-p n -n 0`) or tg (`-p 0 -n n`).
fn llama_bench(bin: &str, model: &Path, threads: u32, pp: usize, tg: u32) -> Option<f64> {
    let out = Command::new(bin)
        .args(["-m", &model.display().to_string()])
        .args([
            "-t",
            &threads.to_string(),
            "-r",
            &REPS.to_string(),
            "-o",
            "json",
        ])
        .args(["-p", &pp.to_string(), "-n", &tg.to_string()])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "llama-bench failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    v.as_array()?.first()?.get("avg_ts")?.as_f64()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let Some(path) = std::env::var_os("DARD_TEST_GGUF").map(PathBuf::from) else {
        eprintln!("set DARD_TEST_GGUF to a GGUF file (Gemma 3 270M) to run this benchmark");
        return;
    };
    let threads: u32 = std::env::var("DARD_BENCH_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(1);
    let cfg = LlamaConfig::new(&path)
        .with_threads(threads)
        .with_n_ctx(4096)
        .with_n_batch(512);
    let model = LlamaModel::load(cfg.clone()).await.expect("model loads");
    let info = model.info();
    println!(
        "model: {} ({}, {:.0} MB), threads: {threads}",
        path.display(),
        info.architecture,
        info.size_bytes as f64 / 1e6
    );

    // Generation speed: a short prompt, then GEN_TOKENS tokens (no stop, so a
    // base model that writes an end token is simply measured on fewer).
    let gen_req = GenerateRequest::text("Once upon a time, in a small town near Cambridge,")
        .with_max_tokens(GEN_TOKENS);
    let _ = model.generate(gen_req.clone()).await;
    let mut tg = Vec::new();
    for _ in 0..REPS {
        model.reset_cache().await.expect("reset");
        let out = model.generate(gen_req.clone()).await.expect("generate");
        tg.push(out.tokens_per_second());
    }
    let (tg_best, tg) = (best(&tg), median(tg));

    // Prompt processing: a cold prompt of about PROMPT_TOKENS tokens, sized by
    // tokenizing a sample of the text first.
    let phrase = "the hotel is in the north and has free parking";
    let sample = vec![phrase; 40].join(" ");
    let probe = model
        .generate(GenerateRequest::text(sample).with_max_tokens(1))
        .await
        .expect("probe prompt");
    let per_phrase = f64::from(probe.prompt_tokens) / 40.0;
    let n_phrases = (PROMPT_TOKENS as f64 / per_phrase).floor() as usize;
    let pp_text = vec![phrase; n_phrases.max(1)].join(" ");
    let mut pp = Vec::new();
    let mut pp_tokens = 0;
    for _ in 0..REPS {
        model.reset_cache().await.expect("reset");
        let out = model
            .generate(GenerateRequest::text(pp_text.clone()).with_max_tokens(1))
            .await
            .expect("prompt");
        pp_tokens = out.prompt_tokens;
        pp.push(f64::from(out.prompt_tokens) / out.prompt_eval.as_secs_f64());
    }
    let (pp_best, pp) = (best(&pp), median(pp));

    println!(
        "dard llama backend (median / best of {REPS}): tg{GEN_TOKENS} {tg:.1} / {tg_best:.1} tok/s, \
         pp{pp_tokens} {pp:.1} / {pp_best:.1} tok/s"
    );
    if let Ok(bin) = std::env::var("LLAMA_BENCH_BIN") {
        let ref_tg = llama_bench(&bin, &path, threads, 0, GEN_TOKENS);
        let ref_pp = llama_bench(&bin, &path, threads, pp_tokens as usize, 0);
        if let (Some(rt), Some(rp)) = (ref_tg, ref_pp) {
            println!(
                "llama-bench:        tg{GEN_TOKENS} {rt:.1} tok/s, pp{pp_tokens} {rp:.1} tok/s"
            );
            println!(
                "ratio (dard / llama-bench): tg {:.3}, pp {:.3}",
                tg / rt,
                pp / rp
            );
        }
    }

    // The pinned prefix: a stage's turn-2 call after its turn-1 call (the
    // static prefix pinned), against the same call with reuse off.
    let cold_model = LlamaModel::load(cfg.with_prefix_reuse(false))
        .await
        .expect("model loads");
    let mut warm_ms = Vec::new();
    let mut cold_ms = Vec::new();
    let mut shape = (0, 0);
    for _ in 0..REPS {
        model.reset_cache().await.expect("reset");
        model.generate(stage_call(1)).await.expect("turn 1");
        let warm = model.generate(stage_call(2)).await.expect("turn 2 pinned");
        let cold = cold_model
            .generate(stage_call(2))
            .await
            .expect("turn 2 without reuse");
        assert_eq!(warm.text, cold.text, "the pinned prefix changed the output");
        shape = (warm.prompt_tokens, warm.reused_prompt_tokens);
        warm_ms.push(ms(warm.prompt_eval));
        cold_ms.push(ms(cold.prompt_eval));
    }
    let (warm, cold) = (median(warm_ms), median(cold_ms));
    println!(
        "pinned prefix: turn-2 prompt {} tokens, {} pinned; prompt time without reuse {cold:.1} ms, \
         with the pinned prefix {warm:.1} ms, speed-up {:.1}x",
        shape.0,
        shape.1,
        cold / warm
    );
}
