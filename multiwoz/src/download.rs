//! Downloading MultiWOZ from its public GitHub sources, with SHA-256 checksums.
//!
//! The default [`Manifest`] fetches, from commits pinned so that the checksums stay
//! valid, the files dard needs, into the layout [`crate::locate`] recognizes:
//! the MultiWOZ 2.1 test/val dialogs and split lists (ConvLab-2's copy), the
//! databases and the 2.2 schema (budzianowski/multiwoz), and the standard
//! evaluator's booked domains and patched attraction database
//! (Tomiinek/MultiWOZ_Evaluation; that repository states no licence).
//!
//! Every file is written to `<name>.part`, checked, then renamed, so an interrupted
//! or corrupted download never leaves a file that looks complete. Files already
//! present with the right checksum are not fetched again.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

pub use crate::error::DownloadError;

/// budzianowski/multiwoz at a pinned commit.
const MULTIWOZ: &str = "https://raw.githubusercontent.com/budzianowski/multiwoz/fe0c8e65cfcd8462bd33c86e35f21addc84ca82b";
/// thu-coai/ConvLab-2 at a pinned commit.
const CONVLAB2: &str =
    "https://raw.githubusercontent.com/thu-coai/ConvLab-2/b014b81fcb1ff74f54681917eee39c14c87af3e5";
/// Tomiinek/MultiWOZ_Evaluation at a pinned commit.
const MWZEVAL: &str = "https://raw.githubusercontent.com/Tomiinek/MultiWOZ_Evaluation/7f19ee01ffd97652bfad5b067fce40704d9c9de2";

/// One file to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Where it goes, relative to the destination folder (`/`-separated).
    pub local: String,
    /// The full URL of its public source.
    pub url: String,
    /// Its SHA-256, lower-case hex.
    pub sha256: String,
    /// Its size in bytes (a guard against endless or wrong responses).
    pub size: u64,
}

/// The list of files to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The files.
    pub entries: Vec<Entry>,
}

impl Manifest {
    /// The files dard needs, from their public GitHub sources.
    pub fn multiwoz() -> Manifest {
        let e = |local: &str, base: &str, remote: &str, sha256: &str, size: u64| Entry {
            local: local.to_string(),
            url: format!("{base}/{remote}"),
            sha256: sha256.to_string(),
            size,
        };
        let c = "MultiWOZ_2.1_convlab2";
        Manifest {
            entries: vec![
                e(
                    &format!("{c}/test.json.zip"),
                    CONVLAB2,
                    "data/multiwoz/test.json.zip",
                    "438deb6ff5402cef5ff29cc0d5a10db818c1e9142727c1d631e71b563c66a5b4",
                    1_533_565,
                ),
                e(
                    &format!("{c}/val.json.zip"),
                    CONVLAB2,
                    "data/multiwoz/val.json.zip",
                    "25ddfd4d0b01304012b54e2d98caa038c91d95295c4b519cc721b9b616f506dc",
                    1_537_014,
                ),
                e(
                    &format!("{c}/testListFile"),
                    CONVLAB2,
                    "data/multiwoz/testListFile",
                    "7051d16cb64f620ecb341f8a1708635cd914c2613b2497c23209498ac5e4e033",
                    8_497,
                ),
                e(
                    &format!("{c}/valListFile"),
                    CONVLAB2,
                    "data/multiwoz/valListFile",
                    "94980a8563da8bc02047cf994aa5b8001b4df083f3fbe284c64be1dfcfb264b6",
                    8_498,
                ),
                e(
                    &format!("{c}/trainListFile"),
                    CONVLAB2,
                    "data/multiwoz/trainListFile",
                    "a3e53af2da24d728f69849bcf4aacd25e72dc12bfa4f38fd40b3a3d40890c594",
                    72_802,
                ),
                e(
                    "db/attraction_db.json",
                    MULTIWOZ,
                    "db/attraction_db.json",
                    "2aacc620af4025f1eada5ec83057a866f8e8b72b529f71d2f8bf93bcdd8f8751",
                    35_731,
                ),
                e(
                    "db/hospital_db.json",
                    MULTIWOZ,
                    "db/hospital_db.json",
                    "51282ab30346d4e826fbdf6a668d346f4b1e72425190d62048a7c471ffba5020",
                    7_291,
                ),
                e(
                    "db/hotel_db.json",
                    MULTIWOZ,
                    "db/hotel_db.json",
                    "7f7d0fa564f6735b6a168a3ab72c7ca6f1180c49fa8a285bd9ebf7dac10e5e45",
                    18_241,
                ),
                e(
                    "db/police_db.json",
                    MULTIWOZ,
                    "db/police_db.json",
                    "d9c2b200fa2dd61b04ce2fe520b0b79dfa68d8b895806cfec6e8a8d3cffa9193",
                    149,
                ),
                e(
                    "db/restaurant_db.json",
                    MULTIWOZ,
                    "db/restaurant_db.json",
                    "7864b4e36027af0907d6afe9ed962fecd6c6966cd626b8ae9341708a04ea201a",
                    56_391,
                ),
                e(
                    "db/taxi_db.json",
                    MULTIWOZ,
                    "db/taxi_db.json",
                    "6b676ae412ef17a15c24594bec99f61ed6a18b0fbecf6ed89d409baa924b89c1",
                    217,
                ),
                e(
                    "db/train_db.json",
                    MULTIWOZ,
                    "db/train_db.json",
                    "4818e735bae20690f6d0d06bb2ae8eec1981c0b680258a970dc01c9073f3fec9",
                    748_675,
                ),
                e(
                    "MultiWOZ_2.2/schema.json",
                    MULTIWOZ,
                    "data/MultiWOZ_2.2/schema.json",
                    "ae9e2390f38fb967af64623c2f4f7e0c636fb377ad523b582a03161d3ddbdf68",
                    18_123,
                ),
                e(
                    "MultiWOZ_2.2/README.md",
                    MULTIWOZ,
                    "data/MultiWOZ_2.2/README.md",
                    "a9b2c9bb4ca61fdf1eb64a3c5d421271b14ffcc45029852fd26c71ca32302c9e",
                    7_230,
                ),
                e(
                    "mwzeval_data/booked_domains.json",
                    MWZEVAL,
                    "mwzeval/data/booked_domains.json",
                    "ba53d71927a84e1db4d6a3113c45bbfacba3b30c748d5ecbbbbbf5f3ab545ab1",
                    1_358_883,
                ),
                e(
                    "mwzeval_data/database/attraction_db.json",
                    MWZEVAL,
                    "mwzeval/data/database/attraction_db.json",
                    "ac2486936c373917fd9ed1aa46d0e63f7dc6fae4667c80e62b643ac6051e9848",
                    35_731,
                ),
            ],
        }
    }

    /// The same files fetched from a mirror laid out like the destination:
    /// each URL becomes `<base>/<local path>`.
    pub fn with_base_url(&self, base: &str) -> Manifest {
        let base = base.trim_end_matches('/');
        Manifest {
            entries: self
                .entries
                .iter()
                .map(|e| Entry {
                    url: format!("{base}/{}", e.local),
                    ..e.clone()
                })
                .collect(),
        }
    }
}

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Fetched and verified.
    Downloaded,
    /// Already present with the right checksum.
    AlreadyPresent,
}

/// What a download reports while it runs, for a progress bar.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Event<'a> {
    /// Bytes of `entry` arrived (`n` more, not a running total).
    Bytes {
        /// The file being fetched.
        entry: &'a Entry,
        /// How many bytes arrived since the last event.
        n: u64,
    },
    /// `entry` is done.
    Finished {
        /// The file.
        entry: &'a Entry,
        /// Whether it was fetched or already there.
        outcome: Outcome,
    },
}

/// How a download behaves on the network.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// How long to wait for a connection, and for each read once connected: a
    /// server that stops sending for this long fails the download.
    pub stall_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            stall_timeout: Duration::from_secs(60),
        }
    }
}

impl Options {
    /// Options with the given stall timeout.
    pub fn with_stall_timeout(stall_timeout: Duration) -> Options {
        Options { stall_timeout }
    }
}

impl Manifest {
    /// The bytes to fetch when nothing is present yet.
    pub fn total_size(&self) -> u64 {
        self.entries.iter().map(|e| e.size).sum()
    }
}

/// The lowercase hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Fetches every entry into `dest`, calling `progress` after each file.
pub fn download(
    manifest: &Manifest,
    dest: &Path,
    mut progress: impl FnMut(&Entry, Outcome),
) -> Result<Vec<(PathBuf, Outcome)>, DownloadError> {
    download_with(manifest, dest, &Options::default(), |event| {
        if let Event::Finished { entry, outcome } = event {
            progress(entry, outcome);
        }
    })
}

/// Fetches every entry into `dest` with `options`, reporting bytes as they
/// arrive and each file as it is done.
pub fn download_with(
    manifest: &Manifest,
    dest: &Path,
    options: &Options,
    mut progress: impl FnMut(Event<'_>),
) -> Result<Vec<(PathBuf, Outcome)>, DownloadError> {
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(options.stall_timeout)
        // In the blocking client this bounds every single read, not the whole
        // transfer: a slow but steady mirror is fine, a silent one fails.
        .timeout(options.stall_timeout)
        .user_agent(concat!("dard/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| DownloadError::Http {
            url: String::new(),
            message: e.to_string(),
        })?;
    let mut done = Vec::with_capacity(manifest.entries.len());
    for entry in &manifest.entries {
        let path = local_path(dest, &entry.local)?;
        let outcome = fetch_one(&client, entry, &path, options, &mut progress)?;
        progress(Event::Finished { entry, outcome });
        done.push((path, outcome));
    }
    Ok(done)
}

/// The destination of an entry, refusing paths that would leave `dest`.
fn local_path(dest: &Path, local: &str) -> Result<PathBuf, DownloadError> {
    let mut path = dest.to_path_buf();
    for part in local.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.contains('\\') {
            return Err(DownloadError::Manifest(format!(
                "unsafe local path `{local}`"
            )));
        }
        path.push(part);
    }
    Ok(path)
}

fn fetch_one(
    client: &reqwest::blocking::Client,
    entry: &Entry,
    path: &Path,
    options: &Options,
    progress: &mut impl FnMut(Event<'_>),
) -> Result<Outcome, DownloadError> {
    if let Ok(existing) = std::fs::read(path)
        && sha256_hex(&existing) == entry.sha256
    {
        return Ok(Outcome::AlreadyPresent);
    }
    let timed_out = || DownloadError::TimedOut {
        url: entry.url.clone(),
        after: options.stall_timeout,
    };
    let http = |message: String| DownloadError::Http {
        url: entry.url.clone(),
        message,
    };
    let mut response = client.get(&entry.url).send().map_err(|e| {
        if e.is_timeout() {
            timed_out()
        } else {
            http(e.to_string())
        }
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(http(format!("HTTP status {status}")));
    }
    // Read at most one byte past the expected size so that an oversized body is
    // caught without reading it all.
    let limit = entry.size.saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(entry.size).unwrap_or(0));
    let mut chunk = vec![0u8; 64 * 1024];
    while (bytes.len() as u64) < limit {
        let want = usize::try_from(limit - bytes.len() as u64)
            .unwrap_or(usize::MAX)
            .min(chunk.len());
        match response.read(&mut chunk[..want]) {
            Ok(0) => break,
            Ok(n) => {
                bytes.extend_from_slice(&chunk[..n]);
                progress(Event::Bytes { entry, n: n as u64 });
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if is_timeout(&e) => return Err(timed_out()),
            Err(e) => {
                return Err(DownloadError::Truncated {
                    url: entry.url.clone(),
                    got: bytes.len() as u64,
                    expected: entry.size,
                    message: e.to_string(),
                });
            }
        }
    }
    if (bytes.len() as u64) < entry.size {
        return Err(DownloadError::Truncated {
            url: entry.url.clone(),
            got: bytes.len() as u64,
            expected: entry.size,
            message: "the server closed the connection".to_string(),
        });
    }
    let actual = sha256_hex(&bytes);
    if actual != entry.sha256 {
        return Err(DownloadError::Checksum {
            url: entry.url.clone(),
            expected: entry.sha256.clone(),
            actual,
        });
    }
    let io = |source| DownloadError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let mut part = path.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    std::fs::write(&part, &bytes).map_err(io)?;
    std::fs::rename(&part, path).map_err(io)?;
    Ok(Outcome::Downloaded)
}

/// Whether a read error is the client's timeout (reqwest wraps it in an I/O
/// error whose source chain says so).
fn is_timeout(e: &std::io::Error) -> bool {
    if e.kind() == std::io::ErrorKind::TimedOut {
        return true;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = e.get_ref().map(|s| s as _);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<reqwest::Error>()
            && r.is_timeout()
        {
            return true;
        }
        if s.to_string().contains("timed out") {
            return true;
        }
        source = s.source();
    }
    false
}
