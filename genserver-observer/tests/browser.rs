//! The observer's page in a real browser: headless Chromium (Debian's `chromium`) loads it,
//! runs its script, and the DOM it renders is read back with `--dump-dom`.
//!
//! The tree is the `supervised` example's: a supervisor restarting a calculator that crashes on
//! a division by zero, started before the observer. The test checks that the tree appears,
//! that a crash shows the restart count going up, that a handler stuck past the threshold is
//! marked, and that a `Debug` state is shown.
//!
//! Without Chromium the test is skipped with a message, unless `GENSERVER_BROWSER_TESTS` is
//! set (as CI sets it): then a missing browser fails it. `GENSERVER_OBSERVER_SCREENSHOT=path`
//! also saves a screenshot of the page, as in the README.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use genserver::prelude::*;
use genserver::{Shutdown, Strategy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The `supervised` example's calculator, with a handler that can be made to hang.
#[derive(Debug)]
struct Calculator {
    served: u64,
    last: Option<i64>,
}

#[genserver]
impl Calculator {
    #[init]
    async fn init(_args: ()) -> Self {
        Calculator {
            served: 0,
            last: None,
        }
    }

    /// `a / b`; panics when `b` is zero (the bug).
    #[call]
    fn divide(&mut self, a: i64, b: i64) -> i64 {
        self.served += 1;
        let quotient = a / b;
        self.last = Some(quotient);
        quotient
    }

    /// Hangs in its handler for `duration`.
    #[cast]
    async fn stall(&mut self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// A cache beside the calculator, whose state the page shows.
#[derive(Debug, Default)]
struct Cache {
    entries: std::collections::BTreeMap<String, u64>,
}

#[genserver]
impl Cache {
    #[cast]
    fn put(&mut self, key: String, value: u64) {
        self.entries.insert(key, value);
    }
}

/// Monitors the cache, so that the page has a monitor to show.
struct Auditor {
    downs: u32,
}

#[genserver]
impl Auditor {
    #[init]
    async fn init(_args: (), ctx: &mut Context<Self>) -> Self {
        ctx.monitor(&CacheRef::from_name("cache"));
        Auditor { downs: 0 }
    }

    #[info]
    fn on_down(&mut self, _down: Down) {
        self.downs += 1;
    }
}

/// Chromium, from `CHROMIUM` or the `PATH`.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| {
            ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name))
        })
        .find(|candidate| candidate.is_file())
}

/// A fresh profile directory for one run of the browser.
fn profile_dir() -> PathBuf {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "genserver-observer-test-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Runs headless Chromium on `url` with `extra` arguments and returns what it printed.
async fn run_chromium(browser: &Path, url: &str, extra: &[String]) -> String {
    let profile = profile_dir();
    let mut command = tokio::process::Command::new(browser);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(90), command.output())
        .await
        .expect("chromium finishes within 90 s")
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The page's DOM once its script has rendered a reading.
async fn dom(browser: &Path, url: &str) -> String {
    run_chromium(browser, url, &["--dump-dom".to_owned()]).await
}

/// Loads the page until `check` accepts its DOM (the observer samples, the browser polls), or
/// fails with the last DOM.
async fn until(browser: &Path, url: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    for _ in 0..20 {
        last = dom(browser, url).await;
        if check(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    panic!("the page never showed {what}; its last DOM:\n{last}");
}

/// The `<li>` of the tree, or `<tr>` of the table, of the element with `data-id="id"` in
/// `part`: its opening tag.
fn opening_tag<'a>(part: &'a str, tag: &str, id: u64) -> Option<&'a str> {
    let start = part.find(&format!("<{tag} "))?;
    let mut rest = &part[start..];
    loop {
        let end = rest.find('>')?;
        let candidate = &rest[..=end];
        if candidate.contains(&format!("data-id=\"{id}\"")) {
            return Some(candidate);
        }
        let next = rest[1..].find(&format!("<{tag} "))?;
        rest = &rest[1 + next..];
    }
}

/// The supervision-tree part of the page.
fn trees(dom: &str) -> &str {
    let start = dom.find("id=\"trees\"").unwrap_or(0);
    let end = dom[start..]
        .find("</section>")
        .map_or(dom.len(), |end| start + end);
    &dom[start..end]
}

/// The servers table part of the page.
fn table(dom: &str) -> &str {
    let start = dom.find("id=\"servers\"").unwrap_or(0);
    &dom[start..]
}

/// `GET path` on the observer, the body of the answer.
async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_shows_the_tree_restarts_a_stuck_handler_and_a_state() {
    let Some(browser) = chromium() else {
        if std::env::var_os("GENSERVER_BROWSER_TESTS").is_some() {
            panic!(
                "GENSERVER_BROWSER_TESTS is set but chromium was not found (apt-get install chromium)"
            );
        }
        eprintln!(
            "SKIPPED: chromium not found; install it (apt-get install chromium) or set CHROMIUM \
             to run the observer's browser test (GENSERVER_BROWSER_TESTS=1 makes this a failure)"
        );
        return;
    };

    // The tree first: the observer must show servers started before it.
    let sup = Supervisor::builder()
        .strategy(Strategy::OneForOne)
        .max_restarts(10, Duration::from_secs(5))
        .child(
            ChildSpec::new("calculator", || {
                Calculator::options()
                    .name("calculator")
                    .observe_state()
                    .start(())
            })
            .shutdown(Shutdown::BrutalKill),
        )
        .child(ChildSpec::new("cache", || {
            Cache::options()
                .name("cache")
                .observe_state()
                .start(Cache::default())
        }))
        .child(ChildSpec::new("auditor", || {
            Auditor::options().name("auditor").start(())
        }))
        .start()
        .await
        .unwrap();
    let calculator = CalculatorRef::from_name("calculator");
    assert_eq!(calculator.divide(84, 2).await, Ok(42));

    let observer = genserver::observer::Builder::new()
        .stuck_after(Duration::from_secs(1))
        .sample_every(Duration::from_millis(100))
        .serve("127.0.0.1:0")
        .await
        .unwrap();
    let url = observer.url();

    // 1. The tree: the supervisor, and the calculator under it, restarted 0 times.
    let sup_id = sup.id().as_u64();
    let first = calculator.id().as_u64();
    let page = until(&browser, &url, "the supervision tree", |dom| {
        let trees = trees(dom);
        match (
            opening_tag(trees, "li", sup_id),
            opening_tag(trees, "li", first),
        ) {
            (Some(sup), Some(child)) => {
                let (sup_at, child_at) = (trees.find(sup).unwrap(), trees.find(child).unwrap());
                sup.contains("data-supervisor=\"true\"")
                    && child.contains("data-name=\"calculator\"")
                    && child.contains("data-restarts=\"0\"")
                    && sup_at < child_at
                    && trees[sup_at..child_at].contains("<ul>")
            }
            _ => false,
        }
    })
    .await;
    assert!(page.contains("data-loaded=\"true\""));
    assert!(table(&page).contains(&format!("data-id=\"{first}\"")));

    // 2. A crash: the restarted calculator shows its restart count, twice.
    for restarts in 1..=2 {
        let before = calculator.id();
        assert!(matches!(
            calculator.divide(1, 0).await,
            Err(CallError::Exited(ExitReason::Panic(_)))
        ));
        // The name handle resolves the name at each use: a new id, alive, and the same id
        // again (an unregistered name in between resolves to no process's id).
        let now = loop {
            let id = calculator.id();
            if id != before && calculator.is_alive() && calculator.id() == id {
                break id.as_u64();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        until(
            &browser,
            &url,
            &format!("restart count {restarts} on the calculator {now}"),
            |dom| {
                opening_tag(trees(dom), "li", now).is_some_and(|tag| {
                    tag.contains(&format!("data-restarts=\"{restarts}\""))
                        && tag.contains("data-name=\"calculator\"")
                }) && opening_tag(table(dom), "tr", now)
                    .is_some_and(|tag| tag.contains(&format!("data-restarts=\"{restarts}\"")))
            },
        )
        .await;
    }
    assert_eq!(calculator.divide(10, 5).await, Ok(2));

    // 3. The state, as a click shows it (the page opens `#state=ID` itself), and over JSON.
    let current = calculator.id().as_u64();
    let state_url = format!("{url}#state={current}");
    let page = until(&browser, &state_url, "the calculator's state", |dom| {
        dom.contains("Calculator {") && dom.contains("served: 1") && dom.contains("Some(")
    })
    .await;
    assert!(page.contains("State of calculator"), "{page}");
    let json = get(observer.local_addr(), &format!("/api/state/{current}")).await;
    assert!(json.contains("served: 1"), "{json}");
    let json = get(observer.local_addr(), &format!("/api/state/{sup_id}")).await;
    assert!(json.contains("observe_state"), "{json}");

    // Links and monitors: every child is linked to its supervisor; the auditor monitors the
    // cache.
    let cache = CacheRef::from_name("cache");
    let auditor = AuditorRef::from_name("auditor");
    let json = get(observer.local_addr(), "/api/servers").await;
    let cache_entry = &json[json
        .find(&format!("\"id\":{},", cache.id().as_u64()))
        .unwrap()..];
    let cache_entry = &cache_entry[..cache_entry.find('}').unwrap()];
    assert!(
        cache_entry.contains(&format!("\"links\":[{sup_id}]"))
            && cache_entry.contains(&format!("\"monitored_by\":[{}]", auditor.id().as_u64())),
        "{cache_entry}"
    );
    // Some traffic, for the rate column.
    let traffic = tokio::spawn(async move {
        for n in 0.. {
            let _ = cache.put(format!("key-{}", n % 4), n);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });

    // 4. A stuck handler: marked once it has run longer than the threshold (1 s).
    calculator.stall(Duration::from_secs(60)).unwrap();
    let page = until(&browser, &url, "the stuck handler", |dom| {
        opening_tag(trees(dom), "li", current)
            .is_some_and(|tag| tag.contains("data-stuck=\"true\""))
            && opening_tag(table(dom), "tr", current)
                .is_some_and(|tag| tag.contains("data-stuck=\"true\"") && tag.contains("stuck"))
    })
    .await;
    assert!(page.contains("STUCK"), "{page}");
    assert!(page.contains("stall for"), "{page}");
    // Its callers pile up in its mailbox meanwhile, which the page shows too.
    let waiting = calculator.clone();
    let queued = tokio::spawn(async move { waiting.divide(9, 3).await });
    let json = loop {
        let json = get(observer.local_addr(), "/api/servers").await;
        if json.contains(&format!("\"id\":{current},")) && json.contains("\"mailbox_len\":1") {
            break json;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(json.contains("\"running\":\"stall\""), "{json}");

    if let Some(path) = std::env::var_os("GENSERVER_OBSERVER_SCREENSHOT") {
        let path = PathBuf::from(path);
        let cache_id = CacheRef::from_name("cache").id().as_u64();
        run_chromium(
            &browser,
            &format!("{url}#state={cache_id}"),
            &[
                format!("--screenshot={}", path.display()),
                "--window-size=1400,720".to_owned(),
                "--hide-scrollbars".to_owned(),
            ],
        )
        .await;
        assert!(path.is_file(), "no screenshot at {}", path.display());
    }

    // A stopped tree leaves the page.
    traffic.abort();
    sup.stop().await;
    assert!(queued.await.unwrap().is_err());
    until(&browser, &url, "the tree gone", |dom| {
        dom.contains("data-loaded=\"true\"") && opening_tag(trees(dom), "li", sup_id).is_none()
    })
    .await;
    observer.stop();
}
