//! The web chat in a real headless browser: Debian's chromium driven through
//! chromedriver (WebDriver) types a request, reads the reply and checks the
//! side panel.
//!
//! Skipped with a message when chromium or chromedriver is not installed,
//! unless `DARD_REQUIRE_BROWSER=1` (as in CI).

#![allow(clippy::unwrap_used)] // Tests may unwrap.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use serve::ServeConfig;
use support::{Server, find_program, fixture_dard, free_port};

const INSTALL: &str = "apt-get install chromium chromium-driver";

/// chromedriver on a free loopback port; killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver(program: &std::path::Path) -> Driver {
    let port = free_port();
    let child = Command::new(program)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    driver
}

#[tokio::test]
async fn web_chat_shows_the_reply_and_who_answered() {
    let Some(chromium) = find_program("chromium", "DARD_REQUIRE_BROWSER", INSTALL) else {
        return;
    };
    let Some(chromedriver) = find_program("chromedriver", "DARD_REQUIRE_BROWSER", INSTALL) else {
        return;
    };
    let server = Server::memory(ServeConfig::default()).await;
    let text = "i want a cheap italian restaurant in the centre .";
    let want = fixture_dard().session().turn(text).await.unwrap();

    let profile = tempfile::tempdir().unwrap();
    let driver = start_driver(&chromedriver).await;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_string(),
        json!({
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    let browser = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .unwrap();

    let result = async {
        browser.goto(&server.url("/")).await?;
        browser
            .find(Locator::Id("input"))
            .await?
            .send_keys(text)
            .await?;
        browser.find(Locator::Id("send")).await?.click().await?;
        let reply = browser
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(".msg.reply"))
            .await?;
        let reply_text = reply.text().await?;
        let agent = browser.find(Locator::Id("agent")).await?.text().await?;
        let reason = browser.find(Locator::Id("reason")).await?.text().await?;
        let db = browser.find(Locator::Id("db")).await?.text().await?;
        let state = browser.find(Locator::Id("state")).await?.text().await?;
        let user = browser
            .find(Locator::Css(".msg.user"))
            .await?
            .text()
            .await?;
        Ok::<_, fantoccini::error::CmdError>((reply_text, agent, reason, db, state, user))
    }
    .await;
    browser.close().await.unwrap();
    let (reply_text, agent, reason, db, state, user) = result.unwrap();

    assert_eq!(user, text);
    assert!(
        reply_text.starts_with(&want.reply),
        "the page shows {reply_text:?}, the pipeline says {:?}",
        want.reply
    );
    assert!(reply_text.ends_with("restaurant agent"), "{reply_text:?}");
    assert_eq!(agent, "restaurant");
    assert_eq!(reason, want.reason);
    assert_eq!(db, want.db.count.to_string());
    assert!(
        state.contains("food") && state.contains("italian"),
        "{state:?}"
    );
    assert!(
        state.contains("pricerange") && state.contains("cheap"),
        "{state:?}"
    );
    drop(driver);
    server.stop().await.unwrap();
}
