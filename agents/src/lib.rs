//! The roles of the DARD pipeline and their implementations.
//!
//! * [`roles`]: the [`roles::Tracker`], [`roles::Router`] and
//!   [`roles::DomainAgent`] traits, the data that flows between them
//!   ([`roles::DialogState`], [`roles::Utterance`], [`roles::DbResult`]) and
//!   what each stage cost ([`roles::StageUsage`]).
//! * [`prompt`]: pure prompt rendering from the templates in `prompts/`, with
//!   few-shot examples from the non-test splits ([`prompt::Prompter`]).
//! * [`llm`]: the roles on any `models::ChatModel`, with robust parsing, one
//!   repair retry and a logged fallback.
//! * [`builtin`]: the offline default ([`builtin::Builtin`]): a perceptron
//!   router, a rule and lexicon tracker and a retrieval policy; no model at all.
//!
//! This crate depends on `models` and `multiwoz`; it must not depend on the
//! dialog manager (`manager`) or anything above it.
pub mod builtin;
pub mod llm;
pub mod prompt;
pub mod roles;
