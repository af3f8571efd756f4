//! Info messages, timers, `continue_with`.

use std::time::Duration;

use genserver::prelude::*;
use tokio::time::Instant;

#[derive(Debug, Clone, PartialEq)]
struct Tick(u32);

#[derive(Debug, Clone, PartialEq)]
struct Note(&'static str);

#[derive(Default)]
struct Clock {
    seen: Vec<String>,
    timer: Option<TimerRef>,
    started: Option<Instant>,
}

#[genserver]
impl Clock {
    #[call]
    fn seen(&self) -> Vec<String> {
        self.seen.clone()
    }

    #[cast]
    fn after(&mut self, millis: u64, n: u32, ctx: &mut Context<Self>) {
        self.started.get_or_insert_with(Instant::now);
        self.timer = Some(ctx.send_after(Duration::from_millis(millis), Tick(n)));
    }

    #[cast]
    fn every(&mut self, millis: u64, ctx: &mut Context<Self>) {
        self.started.get_or_insert_with(Instant::now);
        self.timer = Some(ctx.send_interval(Duration::from_millis(millis), Tick(0)));
    }

    #[cast]
    fn cancel(&mut self) {
        if let Some(timer) = self.timer.take() {
            timer.cancel();
        }
    }

    #[cast]
    fn chain(&mut self, ctx: &mut Context<Self>) {
        ctx.continue_with(Note("first continue"));
        ctx.continue_with(Note("second continue"));
        self.seen.push("chain".into());
    }

    #[cast]
    fn note(&mut self, text: String) {
        self.seen.push(text);
    }

    #[info]
    fn on_tick(&mut self, tick: Tick) {
        let at = self.started.map(|t| t.elapsed().as_millis()).unwrap_or(0);
        self.seen.push(format!("tick {} at {at}", tick.0));
    }

    #[info]
    async fn on_note(&mut self, note: Note) {
        self.seen.push(note.0.into());
    }
}

#[tokio::test(start_paused = true)]
async fn send_after_delivers_once_after_the_delay() {
    let clock = Clock::start(Clock::default()).await.unwrap();
    clock.after(100, 1).unwrap();
    tokio::time::sleep(Duration::from_millis(99)).await;
    assert_eq!(clock.seen().await, Ok(vec![]));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(clock.seen().await, Ok(vec!["tick 1 at 100".to_string()]));
}

#[tokio::test(start_paused = true)]
async fn send_interval_ticks_every_period_starting_after_one_period() {
    let clock = Clock::start(Clock::default()).await.unwrap();
    clock.every(10).unwrap();
    tokio::time::sleep(Duration::from_millis(35)).await;
    assert_eq!(
        clock.seen().await.unwrap(),
        ["tick 0 at 10", "tick 0 at 20", "tick 0 at 30"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_timer_does_not_fire() {
    let clock = Clock::start(Clock::default()).await.unwrap();
    clock.every(10).unwrap();
    tokio::time::sleep(Duration::from_millis(25)).await;
    clock.cancel().unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(clock.seen().await.unwrap().len(), 2);

    clock.after(10, 9).unwrap();
    clock.cancel().unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(clock.seen().await.unwrap().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn timers_of_a_stopped_server_never_fire_and_end_with_it() {
    struct Probe {
        timer: Option<TimerRef>,
    }
    #[genserver]
    impl Probe {
        #[call]
        fn arm(&mut self, ctx: &mut Context<Self>) -> TimerRef {
            let timer = ctx.send_interval(Duration::from_millis(10), Tick(0));
            self.timer = Some(timer.clone());
            timer
        }
        #[info]
        fn on_tick(&mut self, _tick: Tick) {
            panic!("a stopped server's timer fired");
        }
    }
    let probe = Probe::start(Probe { timer: None }).await.unwrap();
    let timer = probe.arm().await.unwrap();
    assert!(timer.is_active());
    probe.stop().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!timer.is_active());
}

#[tokio::test(start_paused = true)]
async fn info_messages_can_be_sent_through_the_handle() {
    let clock = Clock::start(Clock::default()).await.unwrap();
    clock.send(Note("from outside")).unwrap();
    clock.send(Tick(5)).unwrap();
    assert_eq!(clock.seen().await.unwrap(), ["from outside", "tick 5 at 0"]);
}

#[tokio::test(start_paused = true)]
async fn continue_with_runs_before_anything_already_in_the_mailbox() {
    let clock = Clock::start(Clock::default()).await.unwrap();
    // Queue everything before the server gets to run.
    clock.chain().unwrap();
    clock.note("queued after chain".into()).unwrap();
    assert_eq!(
        clock.seen().await.unwrap(),
        [
            "chain",
            "first continue",
            "second continue",
            "queued after chain"
        ]
    );
}
