//! The session API over loopback HTTP: turns, history, deletion, the error
//! codes of bad requests, authentication, the rate limit, metrics, CORS,
//! concurrent turns on one session and graceful shutdown.

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod support;

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Value, json};
use serve::{MemoryStore, RateLimit, ServeConfig, Store};
use support::{Server, client, fixture_dard, get_json, new_session, turn};

const FIRST: &str = "i want a cheap italian restaurant in the centre .";
const SECOND: &str = "great , what is the phone number ?";

/// The error code and status of a response.
async fn error_of(resp: reqwest::Response) -> (u16, String) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    (status, body["error"]["code"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn session_turns_answer_as_the_pipeline_and_keep_the_history() {
    let server = Server::memory(ServeConfig::default()).await;
    let http = client();
    let id = new_session(&http, &server).await;

    // The same dialog on the pipeline directly (the server's first session
    // and this one both have seed 0).
    let dard = fixture_dard();
    let mut direct = dard.session();
    let want_1 = direct.turn(FIRST).await.unwrap();
    let want_2 = direct.turn(SECOND).await.unwrap();

    let first = turn(&http, &server, &id, FIRST).await;
    assert_eq!(first["session"], id.as_str());
    assert_eq!(first["version"], 1);
    assert_eq!(first["reply"], want_1.reply.as_str());
    assert_eq!(first["domain"], "restaurant");
    assert_eq!(first["reason"], want_1.reason.as_str());
    assert_eq!(first["state"]["restaurant"]["food"], "italian");
    assert_eq!(first["db"]["count"], 1);
    let stages: Vec<&str> = first["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages.len(), 3);
    assert!(first["stages"][0]["latency_ms"].is_number());
    assert!(first["stages"][0]["usage"].is_array());

    let second = turn(&http, &server, &id, SECOND).await;
    assert_eq!(second["version"], 2);
    assert_eq!(second["reply"], want_2.reply.as_str());

    let view: Value = get_json(&http, &server.url(&format!("/v1/sessions/{id}"))).await;
    assert_eq!(view["version"], 2);
    assert_eq!(
        view["history"],
        serde_json::to_value(direct.history()).unwrap()
    );
    assert_eq!(view["state"], serde_json::to_value(direct.state()).unwrap());

    let deleted = http
        .delete(server.url(&format!("/v1/sessions/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let gone = http
        .get(server.url(&format!("/v1/sessions/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(gone).await, (404, "session_not_found".into()));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn bad_requests_get_stable_codes_and_statuses() {
    let config = ServeConfig::default().with_limits(1024, 40);
    let server = Server::memory(config).await;
    let http = client();
    let id = new_session(&http, &server).await;
    let turns = server.url(&format!("/v1/sessions/{id}/turns"));
    let post = |body: &'static str, content_type: &'static str| {
        http.post(&turns)
            .header("content-type", content_type)
            .body(body)
            .send()
    };

    let cases: Vec<(reqwest::Response, (u16, &str))> = vec![
        (
            post("{\"text\": \"hi\"", "application/json").await.unwrap(),
            (400, "malformed_json"),
        ),
        (
            post("{\"txt\": \"hi\"}", "application/json").await.unwrap(),
            (422, "invalid_request"),
        ),
        (
            post("{\"text\": \"  \"}", "application/json")
                .await
                .unwrap(),
            (422, "invalid_request"),
        ),
        (
            post("{\"text\": \"hi\"}", "text/plain").await.unwrap(),
            (415, "unsupported_media_type"),
        ),
        (
            post(
                "{\"text\": \"this turn is far longer than forty characters allowed\"}",
                "application/json",
            )
            .await
            .unwrap(),
            (422, "turn_too_long"),
        ),
        (
            http.post(&turns)
                .json(&json!({"text": "x".repeat(2000)}))
                .send()
                .await
                .unwrap(),
            (413, "payload_too_large"),
        ),
        (
            http.post(server.url(&format!("/v1/sessions/{}/turns", "0".repeat(32))))
                .json(&json!({"text": "hi"}))
                .send()
                .await
                .unwrap(),
            (404, "session_not_found"),
        ),
        (
            http.get(server.url("/v1/sessions/not-an-id"))
                .send()
                .await
                .unwrap(),
            (404, "session_not_found"),
        ),
        (
            http.get(server.url("/v1/nothing")).send().await.unwrap(),
            (404, "not_found"),
        ),
        (
            http.put(server.url("/v1/sessions")).send().await.unwrap(),
            (405, "method_not_allowed"),
        ),
    ];
    for (resp, (status, code)) in cases {
        let content_type = resp.headers()["content-type"].to_str().unwrap().to_string();
        assert_eq!(content_type, "application/json");
        assert_eq!(error_of(resp).await, (status, code.to_string()));
    }

    // No turn was lost or half-kept: the session is still empty and usable.
    let view: Value = get_json(&http, &server.url(&format!("/v1/sessions/{id}"))).await;
    assert_eq!(view["version"], 0);
    assert_eq!(view["history"], json!([]));
    turn(&http, &server, &id, "a cheap italian place").await;
    server.stop().await.unwrap();
}

#[tokio::test]
async fn api_key_is_required_when_configured() {
    let config = ServeConfig::default().with_api_key(SecretString::from("s3cret-key"));
    let server = Server::memory(config).await;
    let http = client();
    let sessions = server.url("/v1/sessions");

    let missing = http.post(&sessions).send().await.unwrap();
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    assert_eq!(error_of(missing).await, (401, "missing_api_key".into()));
    let wrong = http
        .post(&sessions)
        .bearer_auth("s3cret-kez")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(wrong).await, (401, "invalid_api_key".into()));
    let models = http.get(server.url("/v1/models")).send().await.unwrap();
    assert_eq!(error_of(models).await, (401, "missing_api_key".into()));

    let ok = http
        .post(&sessions)
        .bearer_auth("s3cret-key")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 201);
    // Health, metrics, the description and the page need no key.
    for path in ["/healthz", "/metrics", "/openapi.json", "/"] {
        let resp = http.get(server.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
    }
    server.stop().await.unwrap();
}

#[tokio::test]
async fn rate_limit_refuses_a_key_over_its_burst() {
    let config = ServeConfig::default()
        .with_api_key(SecretString::from("k1"))
        .with_rate_limit(RateLimit {
            per_second: 0.2,
            burst: 2,
        });
    let server = Server::memory(config).await;
    let http = client();
    for _ in 0..2 {
        let resp = http
            .get(server.url("/v1/models"))
            .bearer_auth("k1")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let refused = http
        .get(server.url("/v1/models"))
        .bearer_auth("k1")
        .send()
        .await
        .unwrap();
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=5).contains(&retry_after), "{retry_after}");
    assert_eq!(error_of(refused).await, (429, "rate_limited".into()));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn metrics_count_turns_errors_and_stage_latency() {
    let server = Server::memory(ServeConfig::default()).await;
    let http = client();
    let id = new_session(&http, &server).await;
    turn(&http, &server, &id, FIRST).await;
    turn(&http, &server, &id, SECOND).await;
    let missing = http
        .get(server.url(&format!("/v1/sessions/{}", "f".repeat(32))))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    let resp = http.get(server.url("/metrics")).send().await.unwrap();
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = resp.text().await.unwrap();
    assert!(
        text.contains("dard_turns_total{api=\"sessions\"} 2\n"),
        "{text}"
    );
    assert!(text.contains("dard_errors_total{code=\"session_not_found\"} 1\n"));
    assert!(text.contains("dard_http_requests_total{status=\"404\"} 1\n"));
    for stage in ["track", "route", "respond"] {
        let count = format!(
            "dard_stage_latency_seconds_count{{stage=\"{stage}\",backend=\"builtin\"}} 2\n"
        );
        assert!(text.contains(&count), "{count} in\n{text}");
    }
    assert!(text.contains("dard_turn_latency_seconds_bucket{api=\"sessions\",le=\"+Inf\"} 2\n"));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn concurrent_turns_on_one_session_never_interleave() {
    let store = Arc::new(MemoryStore::new());
    let server = Server::start(fixture_dard(), store.clone(), ServeConfig::default()).await;
    let http = client();
    let id = new_session(&http, &server).await;
    let texts: Vec<String> = (0..12)
        .map(|i| format!("i need a hotel for {i} nights"))
        .collect();
    let answers =
        futures::future::join_all(texts.iter().map(|t| turn(&http, &server, &id, t))).await;
    let mut versions: Vec<u64> = answers
        .iter()
        .map(|a| a["version"].as_u64().unwrap())
        .collect();
    versions.sort();
    assert_eq!(versions, (1..=12).collect::<Vec<_>>());

    let stored = store.load(&id).await.unwrap().unwrap();
    assert_eq!(stored.version, 12);
    let history = &stored.snapshot.history;
    assert_eq!(history.len(), 24);
    // User, system, user, system…: each reply right after its own question.
    for (pair, answer) in history.chunks(2).zip(0..) {
        assert_eq!(pair[0].speaker, manager::Speaker::User, "{answer}");
        assert_eq!(pair[1].speaker, manager::Speaker::System, "{answer}");
        let a = answers.iter().find(|a| a["version"] == answer + 1).unwrap();
        assert_eq!(a["reply"], pair[1].text.as_str());
    }
    let mut asked: Vec<&str> = history.iter().step_by(2).map(|u| u.text.as_str()).collect();
    asked.sort();
    let mut sent: Vec<&str> = texts.iter().map(String::as_str).collect();
    sent.sort();
    assert_eq!(asked, sent);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn graceful_shutdown_finishes_and_stores_in_flight_turns() {
    // Agents on a model that takes half a second per reply.
    let model = models::scripted::ScriptedModel::always("[value_name] is a fine choice .");
    model.set_delay(Duration::from_millis(500));
    let config = manager::Config::from_toml(
        "[backends]\nslow = { kind = \"scripted\", replies = [\"unused\"] }\n\
         [pipeline]\nagents = { default = \"slow\" }\n",
        None,
    )
    .unwrap();
    let handle = models::ModelHandle::new(
        models::ModelInfo {
            name: "slow".into(),
            kind: models::BackendKind::Scripted,
            model: "scripted".into(),
        },
        model,
    );
    let dard = support::fixture_builder()
        .config(config)
        .model("slow", handle)
        .build()
        .unwrap();
    let store = Arc::new(MemoryStore::new());
    let mut server = Server::start(dard, store.clone(), ServeConfig::default()).await;
    let http = client();
    let id = new_session(&http, &server).await;

    let url = server.url(&format!("/v1/sessions/{id}/turns"));
    let in_flight = tokio::spawn({
        let http = http.clone();
        async move {
            http.post(url)
                .json(&json!({"text": FIRST}))
                .send()
                .await
                .unwrap()
        }
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    server.begin_shutdown();
    let resp = in_flight.await.unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["reply"], "pasta palace is a fine choice .");
    server.wait().await.unwrap();
    let stored = store.load(&id).await.unwrap().unwrap();
    assert_eq!(stored.version, 1);
    assert_eq!(
        stored.snapshot.history[1].text,
        "pasta palace is a fine choice ."
    );
}

#[tokio::test]
async fn cors_is_off_unless_origins_are_configured() {
    let preflight = |server: &Server| {
        client()
            .request(reqwest::Method::OPTIONS, server.url("/v1/sessions"))
            .header("origin", "https://chat.example")
            .header("access-control-request-method", "POST")
            .send()
    };
    let off = Server::memory(ServeConfig::default()).await;
    let resp = preflight(&off).await.unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    off.stop().await.unwrap();

    let on = Server::memory(
        ServeConfig::default().with_cors_origins(vec!["https://chat.example".into()]),
    )
    .await;
    let resp = preflight(&on).await.unwrap();
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://chat.example"
    );
    on.stop().await.unwrap();
}

#[tokio::test]
async fn health_and_openapi_describe_the_server() {
    let server = Server::memory(ServeConfig::default()).await;
    let http = client();
    let health: Value = get_json(&http, &server.url("/healthz")).await;
    assert_eq!(health, json!({"status": "ok", "store": "memory"}));
    let spec: Value = get_json(&http, &server.url("/openapi.json")).await;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/v1/sessions",
        "/v1/sessions/{id}",
        "/v1/sessions/{id}/turns",
        "/v1/chat/completions",
        "/v1/models",
        "/healthz",
        "/metrics",
    ] {
        assert!(spec["paths"][path].is_object(), "{path} is described");
    }
    server.stop().await.unwrap();
}
