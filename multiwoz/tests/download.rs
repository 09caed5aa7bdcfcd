//! The download client against an HTTP server this test starts on 127.0.0.1.

// Tests may unwrap (project standard); the workspace lint is for library code.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use std::time::Duration;

use multiwoz::download::{
    DownloadError, Entry, Event, Manifest, Options, Outcome, download, download_with, sha256_hex,
};

/// How the test server answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// The whole body.
    Normal,
    /// Announces the whole length, sends half the body, closes the connection.
    Truncate,
    /// Reads the request and never answers.
    Hang,
}

/// Serves `files` (path → body) over HTTP/1.1 until the test ends; counts requests.
fn serve(files: HashMap<String, Vec<u8>>) -> (String, Arc<Mutex<Vec<String>>>) {
    serve_as(files, Behaviour::Normal)
}

fn serve_as(
    files: HashMap<String, Vec<u8>>,
    behaviour: Behaviour,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&log);
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            // Drain the headers.
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                line.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            seen.lock().unwrap().push(path.clone());
            if behaviour == Behaviour::Hang {
                // Keep the connection open and silent.
                held.push(stream);
                continue;
            }
            let (status, body) = match files.get(&path) {
                Some(b) => ("200 OK", b.clone()),
                None => ("404 Not Found", b"not found".to_vec()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let sent = match behaviour {
                Behaviour::Truncate => &body[..body.len() / 2],
                _ => &body[..],
            };
            let _ = stream.write_all(sent);
        }
    });
    (format!("http://{addr}"), log)
}

fn entry(local: &str, body: &[u8]) -> Entry {
    Entry {
        local: local.to_string(),
        url: format!("https://example.invalid/{local}"),
        sha256: sha256_hex(body),
        size: body.len() as u64,
    }
}

#[test]
fn downloads_verify_checksums_and_skip_files_already_present() {
    let zip = b"PK fixture bytes".to_vec();
    let db = br#"[{"id": "1", "name": "a"}]"#.to_vec();
    let files = HashMap::from([
        (
            "/mirror/MultiWOZ_2.1_convlab2/test.json.zip".to_string(),
            zip.clone(),
        ),
        ("/mirror/db/hotel_db.json".to_string(), db.clone()),
    ]);
    let (base, log) = serve(files);
    let manifest = Manifest {
        entries: vec![
            entry("MultiWOZ_2.1_convlab2/test.json.zip", &zip),
            entry("db/hotel_db.json", &db),
        ],
    }
    .with_base_url(&format!("{base}/mirror/"));
    let dest = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    let done = download(&manifest, dest.path(), |e, o| {
        seen.push((e.local.clone(), o))
    })
    .unwrap();
    assert_eq!(done.len(), 2);
    assert_eq!(
        std::fs::read(dest.path().join("MultiWOZ_2.1_convlab2/test.json.zip")).unwrap(),
        zip
    );
    assert_eq!(
        std::fs::read(dest.path().join("db/hotel_db.json")).unwrap(),
        db
    );
    assert!(seen.iter().all(|(_, o)| *o == Outcome::Downloaded));
    assert_eq!(log.lock().unwrap().len(), 2);
    // A second run finds both files in place and fetches nothing.
    let again = download(&manifest, dest.path(), |_, _| {}).unwrap();
    assert!(again.iter().all(|(_, o)| *o == Outcome::AlreadyPresent));
    assert_eq!(log.lock().unwrap().len(), 2);
}

#[test]
fn checksum_mismatch_is_an_error_and_leaves_no_file() {
    let files = HashMap::from([("/db/hotel_db.json".to_string(), b"tampered!".to_vec())]);
    let (base, _) = serve(files);
    let manifest = Manifest {
        entries: vec![entry("db/hotel_db.json", b"original!")],
    }
    .with_base_url(&base);
    let dest = tempfile::tempdir().unwrap();
    let err = download(&manifest, dest.path(), |_, _| {}).unwrap_err();
    match &err {
        DownloadError::Checksum {
            url,
            expected,
            actual,
        } => {
            assert!(url.ends_with("/db/hotel_db.json"));
            assert_eq!(expected, &sha256_hex(b"original!"));
            assert_eq!(actual, &sha256_hex(b"tampered!"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(!dest.path().join("db/hotel_db.json").exists());
    assert!(!dest.path().join("db/hotel_db.json.part").exists());
}

#[test]
fn http_error_status_names_the_url() {
    let (base, _) = serve(HashMap::new());
    let manifest = Manifest {
        entries: vec![entry("db/missing.json", b"x")],
    }
    .with_base_url(&base);
    let dest = tempfile::tempdir().unwrap();
    let err = download(&manifest, dest.path(), |_, _| {}).unwrap_err();
    assert!(matches!(err, DownloadError::Http { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("/db/missing.json") && msg.contains("404"),
        "{msg}"
    );
}

#[test]
fn unsafe_local_paths_are_refused() {
    let manifest = Manifest {
        entries: vec![entry("../escape.json", b"x")],
    };
    let dest = tempfile::tempdir().unwrap();
    let err = download(&manifest, dest.path(), |_, _| {}).unwrap_err();
    assert!(matches!(err, DownloadError::Manifest(_)), "{err:?}");
}

#[test]
fn default_manifest_pins_commits_and_covers_what_discovery_needs() {
    let m = Manifest::multiwoz();
    assert!(
        m.entries
            .iter()
            .all(|e| e.url.starts_with("https://raw.githubusercontent.com/"))
    );
    assert!(m.entries.iter().all(|e| e.sha256.len() == 64));
    for needed in [
        "MultiWOZ_2.1_convlab2/test.json.zip",
        "MultiWOZ_2.1_convlab2/val.json.zip",
        "db/restaurant_db.json",
    ] {
        assert!(m.entries.iter().any(|e| e.local == needed), "{needed}");
    }
}

#[test]
fn default_manifest_checksums_match_the_shared_copy_where_present() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/multiwoz");
    if !root.is_dir() {
        // The manifest's checksums were taken from that copy; nothing to compare here.
        return;
    }
    for e in Manifest::multiwoz().entries {
        let bytes = std::fs::read(root.join(&e.local)).unwrap();
        assert_eq!(sha256_hex(&bytes), e.sha256, "{}", e.local);
        assert_eq!(bytes.len() as u64, e.size, "{}", e.local);
    }
}

#[test]
fn truncated_body_is_an_error_naming_the_bytes_and_leaves_no_file() {
    let body = vec![7u8; 10_000];
    let files = HashMap::from([("/db/hotel_db.json".to_string(), body.clone())]);
    let (base, _) = serve_as(files, Behaviour::Truncate);
    let manifest = Manifest {
        entries: vec![entry("db/hotel_db.json", &body)],
    }
    .with_base_url(&base);
    let dest = tempfile::tempdir().unwrap();
    let err = download(&manifest, dest.path(), |_, _| {}).unwrap_err();
    match &err {
        DownloadError::Truncated {
            url, got, expected, ..
        } => {
            assert!(url.ends_with("/db/hotel_db.json"), "{url}");
            assert!(*got < 10_000, "{got}");
            assert_eq!(*expected, 10_000);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("of 10000 bytes"), "{err}");
    assert!(!dest.path().join("db/hotel_db.json").exists());
    assert!(!dest.path().join("db/hotel_db.json.part").exists());
}

#[test]
fn silent_server_times_out_with_a_clear_error() {
    let (base, log) = serve_as(HashMap::new(), Behaviour::Hang);
    let manifest = Manifest {
        entries: vec![entry("db/hotel_db.json", b"x")],
    }
    .with_base_url(&base);
    let dest = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let err = download_with(
        &manifest,
        dest.path(),
        &Options::with_stall_timeout(Duration::from_millis(500)),
        |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(err, DownloadError::TimedOut { .. }),
        "{err:?} after {:?}",
        started.elapsed()
    );
    let msg = err.to_string();
    assert!(
        msg.contains("/db/hotel_db.json") && msg.contains("sent nothing for 0.5 s"),
        "{msg}"
    );
    assert_eq!(log.lock().unwrap().len(), 1);
    assert!(!dest.path().join("db/hotel_db.json").exists());
}

#[test]
fn byte_events_add_up_to_the_file_sizes() {
    let a = vec![1u8; 200_000];
    let b = b"small".to_vec();
    let files = HashMap::from([
        ("/a.bin".to_string(), a.clone()),
        ("/b.bin".to_string(), b.clone()),
    ]);
    let (base, _) = serve(files);
    let manifest = Manifest {
        entries: vec![entry("a.bin", &a), entry("b.bin", &b)],
    }
    .with_base_url(&base);
    assert_eq!(manifest.total_size(), 200_005);
    let dest = tempfile::tempdir().unwrap();
    let mut bytes = 0;
    let mut finished = Vec::new();
    download_with(
        &manifest,
        dest.path(),
        &Options::default(),
        |event| match event {
            Event::Bytes { n, .. } => bytes += n,
            Event::Finished { entry, outcome } => finished.push((entry.local.clone(), outcome)),
            _ => {}
        },
    )
    .unwrap();
    assert_eq!(bytes, 200_005);
    assert_eq!(
        finished,
        vec![
            ("a.bin".to_string(), Outcome::Downloaded),
            ("b.bin".to_string(), Outcome::Downloaded)
        ]
    );
}
