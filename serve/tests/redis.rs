//! Sessions in a real Redis server (Debian's `redis-server`, started on a
//! free loopback port): shared by two replicas, surviving the replica that
//! created them, and serialized by the version check.
//!
//! Skipped with a message when `redis-server` is not installed, unless
//! `DARD_REQUIRE_REDIS=1` (as in CI).

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod support;

use manager::SessionSnapshot;
use serde_json::Value;
use serve::ServeConfig;
use serve::store::Saved;
use support::{Redis, Server, client, fixture_dard, get_json, new_session, turn};

const DIALOG: [&str; 4] = [
    "i want a cheap italian restaurant in the centre .",
    "great , what is the phone number ?",
    "please book it for 2 people on monday at 18:00 .",
    "i also need a taxi to the museum of toys .",
];

/// Two servers, each with its own pipeline and connection, on one Redis.
async fn replicas(redis: &Redis) -> (Server, Server) {
    let a = Server::start(fixture_dard(), redis.store().await, ServeConfig::default()).await;
    let b = Server::start(fixture_dard(), redis.store().await, ServeConfig::default()).await;
    (a, b)
}

#[tokio::test]
async fn two_replicas_share_a_dialog_and_outlive_each_other() {
    let Some(redis) = Redis::start().await else {
        return;
    };
    let (a, b) = replicas(&redis).await;
    let http = client();

    let id = new_session(&http, &a).await;

    // The same dialog in one process, as the reference: a session with the
    // stored session's key makes up the same references and taxis.
    let created: Value = get_json(&http, &a.url(&format!("/v1/sessions/{id}"))).await;
    let key = created["key"].as_str().expect("a stored session has a key");
    let dard = fixture_dard();
    let mut direct = dard.session_keyed(key);
    let mut want = Vec::new();
    for text in DIALOG {
        want.push(direct.turn(text).await.unwrap().reply);
    }

    let first = turn(&http, &a, &id, DIALOG[0]).await;
    let second = turn(&http, &b, &id, DIALOG[1]).await;
    assert_eq!(first["reply"], want[0].as_str());
    assert_eq!(second["reply"], want[1].as_str());
    assert_eq!(second["version"], 2);

    // A dies; B goes on with the dialog A started.
    let a_addr = a.addr;
    a.kill().await;
    assert!(
        tokio::net::TcpStream::connect(a_addr).await.is_err(),
        "A is down"
    );
    let third = turn(&http, &b, &id, DIALOG[2]).await;
    let fourth = turn(&http, &b, &id, DIALOG[3]).await;
    assert_eq!(third["reply"], want[2].as_str());
    assert_eq!(fourth["reply"], want[3].as_str());

    let view: Value = get_json(&http, &b.url(&format!("/v1/sessions/{id}"))).await;
    assert_eq!(view["version"], 4);
    assert_eq!(
        view["history"],
        serde_json::to_value(direct.history()).unwrap()
    );
    let health: Value = get_json(&http, &b.url("/healthz")).await;
    assert_eq!(health["store"], "redis");
    b.stop().await.unwrap();
}

#[tokio::test]
async fn concurrent_turns_across_replicas_are_serialized() {
    let Some(redis) = Redis::start().await else {
        return;
    };
    let (a, b) = replicas(&redis).await;
    let http = client();
    let id = new_session(&http, &a).await;
    let texts: Vec<String> = (0..10)
        .map(|i| format!("a hotel for {i} people please"))
        .collect();
    let answers = futures::future::join_all(texts.iter().enumerate().map(|(i, t)| {
        let server = if i % 2 == 0 { &a } else { &b };
        turn(&http, server, &id, t)
    }))
    .await;

    let store = redis.store().await;
    let stored = store.load(&id).await.unwrap().unwrap();
    assert_eq!(stored.version, 10);
    let history = &stored.snapshot.history;
    assert_eq!(history.len(), 20);
    for (v, pair) in (1..).zip(history.chunks(2)) {
        assert_eq!(pair[0].speaker, manager::Speaker::User);
        assert_eq!(pair[1].speaker, manager::Speaker::System);
        let answer = answers.iter().find(|x| x["version"] == v).unwrap();
        assert_eq!(answer["reply"], pair[1].text.as_str(), "turn {v}");
    }
    a.stop().await.unwrap();
    b.stop().await.unwrap();
}

#[tokio::test]
async fn redis_store_compares_versions_before_writing() {
    let Some(redis) = Redis::start().await else {
        return;
    };
    let store = redis.store().await;
    let id = serve::store::new_session_id();
    let empty = SessionSnapshot::default();
    store.create(&id, &empty).await.unwrap();
    let mut session = fixture_dard().resume(empty.clone());
    session.turn(DIALOG[0]).await.unwrap();
    let next = session.snapshot();

    assert_eq!(store.save(&id, 0, &next).await.unwrap(), Saved::Stored(1));
    assert_eq!(store.save(&id, 0, &empty).await.unwrap(), Saved::Conflict);
    let loaded = store.load(&id).await.unwrap().unwrap();
    assert_eq!((loaded.version, loaded.snapshot), (1, next));
    assert!(store.delete(&id).await.unwrap());
    assert_eq!(store.save(&id, 1, &empty).await.unwrap(), Saved::Missing);
    assert!(store.load(&id).await.unwrap().is_none());
    assert!(!store.delete(&id).await.unwrap());
}
