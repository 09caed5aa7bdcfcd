//! A small GGUF (v3) writer and builders of tiny random models for the llama
//! backend's tests, so CI needs neither Python nor downloads for them.
//!
//! The models are a Llama-architecture decoder and a T5 encoder–decoder with a
//! 256-token byte-level BPE vocabulary (`tokenizer.ggml.model = "gpt2"`) plus a
//! few control tokens, F32 weights drawn from a seeded generator. The output
//! projection gives non-zero rows only to printable ASCII bytes, so greedy
//! decoding always writes readable text and never an end-of-generation token.

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

/// A metadata value.
pub enum Value {
    U32(u32),
    F32(f32),
    Bool(bool),
    Str(String),
    StrArray(Vec<String>),
    I32Array(Vec<i32>),
    F32Array(Vec<f32>),
}

impl Value {
    fn type_id(&self) -> u32 {
        match self {
            Value::U32(_) => 4,
            Value::F32(_) => 6,
            Value::Bool(_) => 7,
            Value::Str(_) => 8,
            Value::StrArray(_) | Value::I32Array(_) | Value::F32Array(_) => 9,
        }
    }
}

/// A GGUF file under construction: metadata, then F32 tensors.
#[derive(Default)]
pub struct GgufWriter {
    kv: Vec<(String, Value)>,
    tensors: Vec<(String, Vec<u64>, Vec<f32>)>,
}

const ALIGN: usize = 32;

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn pad(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(ALIGN) {
        out.push(0);
    }
}

impl GgufWriter {
    /// Adds a metadata entry.
    pub fn kv(&mut self, key: &str, value: Value) -> &mut Self {
        self.kv.push((key.to_owned(), value));
        self
    }

    /// Adds an F32 tensor; `dims` innermost first, as GGUF stores them.
    pub fn tensor(&mut self, name: &str, dims: &[u64], data: Vec<f32>) -> &mut Self {
        let n: u64 = dims.iter().product();
        assert_eq!(
            n as usize,
            data.len(),
            "tensor {name}: shape and data disagree"
        );
        self.tensors.push((name.to_owned(), dims.to_vec(), data));
        self
    }

    /// Serialises the file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(b"GGUF");
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&(self.tensors.len() as u64).to_le_bytes());
        out.extend_from_slice(&(self.kv.len() as u64).to_le_bytes());
        for (key, value) in &self.kv {
            put_str(&mut out, key);
            out.extend_from_slice(&value.type_id().to_le_bytes());
            match value {
                Value::U32(v) => out.extend_from_slice(&v.to_le_bytes()),
                Value::F32(v) => out.extend_from_slice(&v.to_le_bytes()),
                Value::Bool(v) => out.push(u8::from(*v)),
                Value::Str(s) => put_str(&mut out, s),
                Value::StrArray(items) => {
                    out.extend_from_slice(&8u32.to_le_bytes());
                    out.extend_from_slice(&(items.len() as u64).to_le_bytes());
                    for s in items {
                        put_str(&mut out, s);
                    }
                }
                Value::I32Array(items) => {
                    out.extend_from_slice(&5u32.to_le_bytes());
                    out.extend_from_slice(&(items.len() as u64).to_le_bytes());
                    for v in items {
                        out.extend_from_slice(&v.to_le_bytes());
                    }
                }
                Value::F32Array(items) => {
                    out.extend_from_slice(&6u32.to_le_bytes());
                    out.extend_from_slice(&(items.len() as u64).to_le_bytes());
                    for v in items {
                        out.extend_from_slice(&v.to_le_bytes());
                    }
                }
            }
        }
        let mut offset = 0usize;
        for (name, dims, data) in &self.tensors {
            put_str(&mut out, name);
            out.extend_from_slice(&(dims.len() as u32).to_le_bytes());
            for d in dims {
                out.extend_from_slice(&d.to_le_bytes());
            }
            out.extend_from_slice(&0u32.to_le_bytes()); // GGML_TYPE_F32
            out.extend_from_slice(&(offset as u64).to_le_bytes());
            offset += (data.len() * 4).div_ceil(ALIGN) * ALIGN;
        }
        pad(&mut out);
        for (_, _, data) in &self.tensors {
            for v in data {
                out.extend_from_slice(&v.to_le_bytes());
            }
            pad(&mut out);
        }
        out
    }

    /// Writes the file to `path`.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut f = std::fs::File::create(path)?;
        f.write_all(&self.to_bytes())?;
        f.sync_all()
    }
}

/// A seeded SplitMix64 generator: the same seed always gives the same model.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [-scale, scale).
    pub fn uniform(&mut self, scale: f32) -> f32 {
        let unit = (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
        (unit * 2.0 - 1.0) * scale
    }

    pub fn vec(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| self.uniform(scale)).collect()
    }
}

/// GPT-2's byte-to-character map: printable bytes stand for themselves, the
/// others are shifted above U+0100.
fn byte_token(b: u8) -> String {
    let printable = (b'!'..=b'~').contains(&b) || (0xa1..=0xac).contains(&b) || b >= 0xae;
    if printable {
        char::from(b).to_string()
    } else {
        let rank = (0u16..256)
            .filter(|&x| {
                let x = x as u8;
                !((b'!'..=b'~').contains(&x) || (0xa1..=0xac).contains(&x) || x >= 0xae)
            })
            .position(|x| x == u16::from(b))
            .unwrap_or(0);
        char::from_u32(256 + rank as u32).unwrap_or('?').to_string()
    }
}

/// Token ids of the control tokens after the 256 bytes.
pub const BOS: u32 = 256;
pub const EOS: u32 = 257;
pub const IM_START: u32 = 258;
pub const IM_END: u32 = 259;
const N_VOCAB: usize = 260;

/// A ChatML template llama.cpp recognises by its `<|im_start|>` marker.
pub const CHATML_TEMPLATE: &str = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

fn add_vocab(w: &mut GgufWriter) {
    let mut tokens: Vec<String> = (0..=255u8).map(byte_token).collect();
    tokens.extend(["<s>", "</s>", "<|im_start|>", "<|im_end|>"].map(String::from));
    let mut types = vec![1i32; 256]; // NORMAL
    types.extend([3, 3, 3, 3]); // CONTROL
    w.kv("tokenizer.ggml.model", Value::Str("gpt2".into()))
        .kv("tokenizer.ggml.pre", Value::Str("default".into()))
        .kv("tokenizer.ggml.tokens", Value::StrArray(tokens))
        .kv("tokenizer.ggml.token_type", Value::I32Array(types))
        .kv("tokenizer.ggml.merges", Value::StrArray(Vec::new()))
        .kv("tokenizer.ggml.bos_token_id", Value::U32(BOS))
        .kv("tokenizer.ggml.eos_token_id", Value::U32(EOS));
}

/// Output projection rows: random for printable ASCII, zero for everything
/// else, so greedy decoding emits readable bytes and no control token.
fn output_rows(rng: &mut Rng, n_embd: usize) -> Vec<f32> {
    let mut data = Vec::with_capacity(N_VOCAB * n_embd);
    for tok in 0..N_VOCAB {
        let printable = (0x20..0x7f).contains(&tok);
        for _ in 0..n_embd {
            let v = rng.uniform(1.0);
            data.push(if printable { v } else { 0.0 });
        }
    }
    data
}

/// Shape of the tiny models.
pub struct TinyShape {
    pub n_embd: usize,
    pub n_head: usize,
    pub n_ff: usize,
    pub n_layer: usize,
    pub n_ctx_train: u32,
}

pub const TINY: TinyShape = TinyShape {
    n_embd: 64,
    n_head: 4,
    n_ff: 128,
    n_layer: 2,
    n_ctx_train: 1024,
};

/// Writes a tiny Llama-architecture model; with `chat_template` it carries
/// `tokenizer.chat_template`.
pub fn write_tiny_llama(path: &Path, seed: u64, chat_template: Option<&str>) {
    let s = TINY;
    let (e, ff) = (s.n_embd as u64, s.n_ff as u64);
    let mut rng = Rng::new(seed);
    let mut w = GgufWriter::default();
    w.kv("general.architecture", Value::Str("llama".into()))
        .kv("general.name", Value::Str("dard-tiny-llama".into()))
        .kv("llama.context_length", Value::U32(s.n_ctx_train))
        .kv("llama.embedding_length", Value::U32(e as u32))
        .kv("llama.feed_forward_length", Value::U32(ff as u32))
        .kv("llama.block_count", Value::U32(s.n_layer as u32))
        .kv("llama.attention.head_count", Value::U32(s.n_head as u32))
        .kv("llama.attention.head_count_kv", Value::U32(s.n_head as u32))
        .kv(
            "llama.rope.dimension_count",
            Value::U32((s.n_embd / s.n_head) as u32),
        )
        .kv("llama.attention.layer_norm_rms_epsilon", Value::F32(1e-5));
    add_vocab(&mut w);
    w.kv("tokenizer.ggml.add_bos_token", Value::Bool(true));
    if let Some(t) = chat_template {
        w.kv("tokenizer.chat_template", Value::Str(t.into()));
    }
    let v = N_VOCAB as u64;
    w.tensor("token_embd.weight", &[e, v], rng.vec((e * v) as usize, 1.0));
    w.tensor("output_norm.weight", &[e], vec![1.0; e as usize]);
    w.tensor("output.weight", &[e, v], output_rows(&mut rng, e as usize));
    let lin = 1.0 / (e as f32).sqrt() * 1.7;
    for i in 0..s.n_layer {
        let p = format!("blk.{i}");
        w.tensor(
            &format!("{p}.attn_norm.weight"),
            &[e],
            vec![1.0; e as usize],
        );
        for t in ["attn_q", "attn_k", "attn_v", "attn_output"] {
            w.tensor(
                &format!("{p}.{t}.weight"),
                &[e, e],
                rng.vec((e * e) as usize, lin),
            );
        }
        w.tensor(&format!("{p}.ffn_norm.weight"), &[e], vec![1.0; e as usize]);
        w.tensor(
            &format!("{p}.ffn_gate.weight"),
            &[e, ff],
            rng.vec((e * ff) as usize, lin),
        );
        w.tensor(
            &format!("{p}.ffn_up.weight"),
            &[e, ff],
            rng.vec((e * ff) as usize, lin),
        );
        let down = 1.0 / (ff as f32).sqrt() * 1.7;
        w.tensor(
            &format!("{p}.ffn_down.weight"),
            &[ff, e],
            rng.vec((e * ff) as usize, down),
        );
    }
    w.write(path).expect("write tiny llama gguf");
}

/// The pieces of the SentencePiece (unigram) vocabulary of
/// [`write_tiny_t5_unigram`] after `<pad>`, `</s>` and `<unk>`: whole words
/// (likelier) and single characters, so any lower-case text splits into them.
pub const UNIGRAM_WORDS: [&str; 12] = [
    "▁the",
    "▁hotel",
    "▁in",
    "▁north",
    "▁a",
    "▁room",
    "▁for",
    "▁two",
    "▁cheap",
    "▁centre",
    "▁is",
    "▁it",
];

/// The SentencePiece (unigram, `tokenizer.ggml.model = "t5"`) vocabulary:
/// `<pad>` 0, `</s>` 1, `<unk>` 2, then words, `▁`, letters, digits and
/// punctuation, with log-probability scores as SentencePiece writes them.
fn add_unigram_vocab(w: &mut GgufWriter) -> usize {
    let mut tokens: Vec<String> = ["<pad>", "</s>", "<unk>"].map(String::from).to_vec();
    let mut scores = vec![0.0f32, 0.0, 0.0];
    let mut types = vec![3i32, 3, 2]; // CONTROL, CONTROL, UNKNOWN
    for word in UNIGRAM_WORDS {
        tokens.push(word.to_string());
        scores.push(-3.0);
        types.push(1);
    }
    let singles = std::iter::once('▁')
        .chain('a'..='z')
        .chain('0'..='9')
        .chain(".,?!'".chars());
    for c in singles {
        tokens.push(c.to_string());
        scores.push(-8.0);
        types.push(1);
    }
    let n = tokens.len();
    w.kv("tokenizer.ggml.model", Value::Str("t5".into()))
        .kv("tokenizer.ggml.tokens", Value::StrArray(tokens))
        .kv("tokenizer.ggml.scores", Value::F32Array(scores))
        .kv("tokenizer.ggml.token_type", Value::I32Array(types))
        .kv("tokenizer.ggml.eos_token_id", Value::U32(1))
        .kv("tokenizer.ggml.unknown_token_id", Value::U32(2))
        .kv("tokenizer.ggml.padding_token_id", Value::U32(0))
        .kv("tokenizer.ggml.add_space_prefix", Value::Bool(true))
        .kv("tokenizer.ggml.remove_extra_whitespaces", Value::Bool(true))
        .kv("tokenizer.ggml.add_bos_token", Value::Bool(false))
        .kv("tokenizer.ggml.add_eos_token", Value::Bool(true));
    n
}

/// Writes a tiny T5 (encoder–decoder) model with a byte-level vocabulary.
pub fn write_tiny_t5(path: &Path, seed: u64) {
    write_t5(path, seed, false);
}

/// Writes a tiny T5 model with a SentencePiece (unigram) vocabulary, as
/// Flan-T5's GGUFs have. Its output rows are random for the pieces and for
/// `</s>` (a longer one), so greedy decoding writes a few pieces and then
/// ends at `</s>`.
pub fn write_tiny_t5_unigram(path: &Path, seed: u64) {
    write_t5(path, seed, true);
}

fn write_t5(path: &Path, seed: u64, unigram: bool) {
    let s = TINY;
    let (e, ff, h) = (s.n_embd as u64, s.n_ff as u64, s.n_head as u64);
    let buckets = 32u64;
    let mut rng = Rng::new(seed);
    let mut w = GgufWriter::default();
    w.kv("general.architecture", Value::Str("t5".into()))
        .kv("general.name", Value::Str("dard-tiny-t5".into()))
        .kv("t5.context_length", Value::U32(s.n_ctx_train))
        .kv("t5.embedding_length", Value::U32(e as u32))
        .kv("t5.feed_forward_length", Value::U32(ff as u32))
        .kv("t5.block_count", Value::U32(s.n_layer as u32))
        .kv("t5.attention.head_count", Value::U32(h as u32))
        .kv("t5.attention.key_length", Value::U32((e / h) as u32))
        .kv("t5.attention.value_length", Value::U32((e / h) as u32))
        .kv("t5.attention.layer_norm_rms_epsilon", Value::F32(1e-6))
        .kv(
            "t5.attention.relative_buckets_count",
            Value::U32(buckets as u32),
        );
    let n_vocab = if unigram {
        // T5 starts decoding with the padding token.
        w.kv("t5.decoder_start_token_id", Value::U32(0));
        add_unigram_vocab(&mut w)
    } else {
        w.kv("t5.decoder_start_token_id", Value::U32(BOS));
        add_vocab(&mut w);
        w.kv("tokenizer.ggml.add_bos_token", Value::Bool(false))
            .kv("tokenizer.ggml.add_eos_token", Value::Bool(true));
        N_VOCAB
    };
    let v = n_vocab as u64;
    let lin = 1.0 / (e as f32).sqrt() * 1.7;
    let down = 1.0 / (ff as f32).sqrt() * 1.7;
    w.tensor("token_embd.weight", &[e, v], rng.vec((e * v) as usize, 1.0));
    let output = if unigram {
        // Zero rows for <pad> and <unk>, random ones for </s> and the pieces.
        let mut data = rng.vec(n_vocab * e as usize, 1.0);
        for tok in [0usize, 2] {
            data[tok * e as usize..(tok + 1) * e as usize].fill(0.0);
        }
        // A longer </s> row: the end comes after a few pieces, not never.
        for x in &mut data[e as usize..2 * e as usize] {
            *x *= 4.0;
        }
        data
    } else {
        output_rows(&mut rng, e as usize)
    };
    w.tensor("output.weight", &[e, v], output);
    w.tensor("enc.output_norm.weight", &[e], vec![1.0; e as usize]);
    w.tensor("dec.output_norm.weight", &[e], vec![1.0; e as usize]);
    for side in ["enc", "dec"] {
        for i in 0..s.n_layer {
            let p = format!("{side}.blk.{i}");
            let mut attn = vec!["attn"];
            if side == "dec" {
                attn.push("cross_attn");
            }
            for a in attn {
                w.tensor(&format!("{p}.{a}_norm.weight"), &[e], vec![1.0; e as usize]);
                for t in ["q", "k", "v", "o"] {
                    w.tensor(
                        &format!("{p}.{a}_{t}.weight"),
                        &[e, e],
                        rng.vec((e * e) as usize, lin),
                    );
                }
                if a == "attn" {
                    w.tensor(
                        &format!("{p}.attn_rel_b.weight"),
                        &[h, buckets],
                        rng.vec((h * buckets) as usize, 0.5),
                    );
                }
            }
            w.tensor(&format!("{p}.ffn_norm.weight"), &[e], vec![1.0; e as usize]);
            w.tensor(
                &format!("{p}.ffn_gate.weight"),
                &[e, ff],
                rng.vec((e * ff) as usize, lin),
            );
            w.tensor(
                &format!("{p}.ffn_up.weight"),
                &[e, ff],
                rng.vec((e * ff) as usize, lin),
            );
            w.tensor(
                &format!("{p}.ffn_down.weight"),
                &[ff, e],
                rng.vec((e * ff) as usize, down),
            );
        }
    }
    w.write(path).expect("write tiny t5 gguf");
}
