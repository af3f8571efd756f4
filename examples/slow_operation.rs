//! A slow operation that does not block the server: the call hands its `ReplyTo` to a spawned
//! task, which replies when the work is done (Elixir's `{:noreply, state}` + `GenServer.reply`).
//! Meanwhile the server keeps answering other calls. Also shows a call timeout.
//!
//! Run with `cargo run --example slow_operation`.

use std::time::Duration;

use genserver::prelude::*;
use tokio::time::Instant;

pub struct Reports {
    generated: u64,
}

#[genserver]
impl Reports {
    /// Builds a report in the background; the caller waits, the server does not.
    #[call]
    pub fn generate(&mut self, name: String, work: Duration, reply: ReplyTo<String>) {
        self.generated += 1;
        let number = self.generated;
        tokio::spawn(async move {
            tokio::time::sleep(work).await;
            reply.send(format!("report #{number}: {name}"));
        });
    }

    /// Answers at once, even while reports are being generated.
    #[call]
    pub fn ping(&self) -> &'static str {
        "pong"
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reports = Reports::start(Reports { generated: 0 }).await?;
    let started = Instant::now();

    let slow = {
        let reports = reports.clone();
        tokio::spawn(async move {
            reports
                .generate("sales".into(), Duration::from_millis(200))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;

    // The server is free while the report is built.
    assert_eq!(reports.ping().await?, "pong");
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_millis(150),
        "ping waited {waited:?}"
    );
    println!("ping answered after {waited:?}, while the report is still being generated");

    let report = slow.await??;
    assert_eq!(report, "report #1: sales");
    println!("{report}, after {:?}", started.elapsed());

    // A caller that will not wait that long gets Timeout; the server is unharmed.
    let impatient = reports.with_timeout(Duration::from_millis(50));
    let late = impatient
        .generate("inventory".into(), Duration::from_millis(200))
        .await;
    assert_eq!(late, Err(CallError::Timeout));
    println!(
        "with a 50 ms timeout, a 200 ms report -> {:?}",
        late.unwrap_err()
    );
    assert_eq!(reports.ping().await?, "pong");

    reports.stop().await;
    Ok(())
}
