//! Links: a linked server's abnormal exit stops its partner with a reason naming the cause; a
//! server trapping exits gets an `Exit` info message instead; normal exits do not propagate.

use std::sync::{Arc, Mutex};

use genserver::prelude::*;

type Log = Arc<Mutex<Vec<String>>>;

struct Node {
    name: String,
    log: Log,
    exits: Vec<Exit>,
}

struct NodeArgs {
    name: String,
    log: Log,
    trap_exits: bool,
}

#[genserver]
impl Node {
    #[init]
    async fn init(args: NodeArgs, ctx: &mut Context<Self>) -> Self {
        if args.trap_exits {
            ctx.trap_exits(true);
        }
        Node {
            name: args.name,
            log: args.log,
            exits: Vec::new(),
        }
    }

    #[call]
    fn link_to(&mut self, other: NodeRef, ctx: &mut Context<Self>) {
        ctx.link(&other);
    }

    #[call]
    fn unlink_from(&mut self, other: NodeRef, ctx: &mut Context<Self>) {
        ctx.unlink(&other);
    }

    #[call]
    fn exits(&self) -> Vec<Exit> {
        self.exits.clone()
    }

    #[call]
    fn name(&self) -> String {
        self.name.clone()
    }

    #[cast]
    fn crash(&mut self) {
        panic!("{} crashed", self.name);
    }

    #[info]
    fn on_exit(&mut self, exit: Exit) {
        self.exits.push(exit);
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        self.log
            .lock()
            .unwrap()
            .push(format!("terminate {} ({reason})", self.name));
    }
}

async fn node(name: &str, log: &Log, trap_exits: bool) -> NodeRef {
    Node::start(NodeArgs {
        name: name.to_owned(),
        log: log.clone(),
        trap_exits,
    })
    .await
    .unwrap()
}

#[tokio::test(start_paused = true)]
async fn an_abnormal_exit_stops_the_partner_with_a_reason_naming_the_cause() {
    let log = Log::default();
    let a = node("a", &log, false).await;
    let b = node("b", &log, false).await;
    a.link_to(b.clone()).await.unwrap();
    a.crash().unwrap();
    let reason = b.exited().await;
    assert_eq!(
        reason,
        ExitReason::Linked {
            id: a.id(),
            reason: Box::new(ExitReason::Panic("a crashed".to_owned())),
        }
    );
    let text = reason.to_string();
    assert!(
        text.contains(&a.id().to_string()) && text.contains("a crashed"),
        "{text}"
    );
    assert!(!reason.is_normal());
    // The partner was stopped as OTP stops it: at once, without terminate.
    assert_eq!(*log.lock().unwrap(), ["terminate a (panicked: a crashed)"]);
    // Its callers learn why.
    assert!(matches!(
        b.name().await,
        Err(CallError::NotRunning | CallError::Exited(ExitReason::Linked { .. }))
    ));
}

#[tokio::test(start_paused = true)]
async fn links_work_both_ways_and_travel_along_a_chain() {
    let log = Log::default();
    let a = node("a", &log, false).await;
    let b = node("b", &log, false).await;
    let c = node("c", &log, false).await;
    a.link_to(b.clone()).await.unwrap();
    c.link_to(b.clone()).await.unwrap();
    c.crash().unwrap();
    let b_reason = b.exited().await;
    assert_eq!(
        b_reason,
        ExitReason::Linked {
            id: c.id(),
            reason: Box::new(ExitReason::Panic("c crashed".to_owned())),
        }
    );
    assert_eq!(
        a.exited().await,
        ExitReason::Linked {
            id: b.id(),
            reason: Box::new(b_reason),
        }
    );
}

#[tokio::test(start_paused = true)]
async fn normal_exits_do_not_propagate() {
    let log = Log::default();
    let a = node("a", &log, false).await;
    let b = node("b", &log, false).await;
    let c = node("c", &log, false).await;
    a.link_to(b.clone()).await.unwrap();
    a.link_to(c.clone()).await.unwrap();
    b.stop().await;
    c.stop_with(ExitReason::Shutdown).await;
    assert_eq!(a.name().await.unwrap(), "a");
    assert!(a.is_alive());
}

#[tokio::test(start_paused = true)]
async fn a_server_trapping_exits_gets_an_info_message_instead() {
    let log = Log::default();
    let trapper = node("trapper", &log, true).await;
    let a = node("a", &log, false).await;
    let b = node("b", &log, false).await;
    trapper.link_to(a.clone()).await.unwrap();
    trapper.link_to(b.clone()).await.unwrap();
    a.crash().unwrap();
    a.exited().await;
    b.stop().await;
    assert_eq!(
        trapper.exits().await.unwrap(),
        vec![
            Exit {
                id: a.id(),
                reason: ExitReason::Panic("a crashed".to_owned()),
            },
            // Normal exits are delivered too, as in OTP.
            Exit {
                id: b.id(),
                reason: ExitReason::Normal,
            },
        ]
    );
    assert!(trapper.is_alive());

    // A killed partner is reported as killed.
    let c = node("c", &log, false).await;
    trapper.link_to(c.clone()).await.unwrap();
    c.kill();
    c.exited().await;
    let exits = trapper.exits().await.unwrap();
    assert_eq!(exits.last().unwrap().reason, ExitReason::Killed);
}

#[tokio::test(start_paused = true)]
async fn unlink_cuts_the_link() {
    let log = Log::default();
    let a = node("a", &log, false).await;
    let b = node("b", &log, false).await;
    a.link_to(b.clone()).await.unwrap();
    a.unlink_from(b.clone()).await.unwrap();
    b.crash().unwrap();
    b.exited().await;
    assert_eq!(a.name().await.unwrap(), "a");
}

#[tokio::test(start_paused = true)]
async fn linking_to_a_server_already_gone_delivers_its_exit_at_once() {
    let log = Log::default();
    let trapper = node("trapper", &log, true).await;
    let gone = node("gone", &log, false).await;
    gone.crash().unwrap();
    gone.exited().await;
    trapper.link_to(gone.clone()).await.unwrap();
    assert_eq!(
        trapper.exits().await.unwrap(),
        vec![Exit {
            id: gone.id(),
            reason: ExitReason::Panic("gone crashed".to_owned()),
        }]
    );
}
