//! A job queue: a queue server hands jobs to workers by deferred replies, the workers are
//! dynamic children of a supervisor with `max_children`, a job that crashes its worker is
//! handed out again to the restarted one, and progress is published to subscribers through a
//! duplicate `KeyRegistry` (a local pub/sub).
//!
//! - `JobQueue` keeps the jobs not handed out yet, and the workers waiting for one: a worker's
//!   `next_job` call is answered at once if a job is waiting, or later, by the `ReplyTo` the
//!   queue keeps, when one is pushed. It monitors the workers it hands jobs to, so a job whose
//!   worker crashed goes back into the queue.
//! - `Worker`s ask for a job, run it and report it done, in a loop (a `continue_with` after
//!   each job). One job is poisoned: the first worker to run it panics. The supervisor
//!   restarts that worker, the queue hands the job out again, and the second run succeeds.
//! - A `Dashboard` subscribes to the topic "progress"; the workers publish to every
//!   subscriber of the topic with `dispatch`.
//!
//! Run with `cargo run --example job_queue`.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use genserver::SupervisorError;
use genserver::prelude::*;

/// One job: an id, and whether it crashes the first worker that runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Job {
    id: u32,
    poisoned: bool,
    attempt: u32,
}

/// What the workers publish on the topic "progress".
#[derive(Debug, Clone)]
enum Progress {
    Started { job: u32, worker: String },
    Done { job: u32, worker: String },
}

type Topics = Arc<KeyRegistry<String, ()>>;

/// The queue: jobs waiting for a worker, workers waiting for a job.
struct JobQueue {
    jobs: VecDeque<Job>,
    idle: VecDeque<(Pid, ReplyTo<Job>)>,
    /// The job each busy worker is running, by the monitor on that worker.
    running: HashMap<MonitorRef, Job>,
    monitors: HashMap<genserver::ServerId, MonitorRef>,
    done: BTreeSet<u32>,
    handed_out: u32,
}

#[genserver]
impl JobQueue {
    #[cast]
    fn push(&mut self, job: Job, ctx: &mut Context<Self>) {
        self.jobs.push_back(job);
        self.hand_out(ctx);
    }

    /// A worker's request for its next job: answered now, or when a job comes.
    #[call]
    fn next_job(&mut self, worker: Pid, reply: ReplyTo<Job>, ctx: &mut Context<Self>) {
        self.idle.push_back((worker, reply));
        self.hand_out(ctx);
    }

    #[cast]
    fn job_done(&mut self, worker: Pid, job: u32, ctx: &mut Context<Self>) {
        if let Some(monitor) = self.monitors.remove(&worker.id()) {
            ctx.demonitor(monitor);
            self.running.remove(&monitor);
        }
        self.done.insert(job);
    }

    #[call]
    fn done(&self) -> BTreeSet<u32> {
        self.done.clone()
    }

    #[call]
    fn handed_out(&self) -> u32 {
        self.handed_out
    }

    /// A worker died while running a job: the job goes back to the front of the queue.
    #[info]
    fn on_down(&mut self, down: Down, ctx: &mut Context<Self>) {
        self.monitors.remove(&down.id);
        if let Some(mut job) = self.running.remove(&down.monitor) {
            println!(
                "  [queue] worker {} died ({}): job {} goes back into the queue",
                down.id, down.reason, job.id
            );
            job.attempt += 1;
            self.jobs.push_front(job);
            self.hand_out(ctx);
        }
    }
}

impl JobQueue {
    fn new() -> Self {
        JobQueue {
            jobs: VecDeque::new(),
            idle: VecDeque::new(),
            running: HashMap::new(),
            monitors: HashMap::new(),
            done: BTreeSet::new(),
            handed_out: 0,
        }
    }

    /// Pairs waiting jobs with waiting workers (skipping workers that stopped waiting).
    fn hand_out(&mut self, ctx: &mut Context<Self>) {
        while !self.jobs.is_empty() {
            let Some((worker, reply)) = self.idle.pop_front() else {
                return;
            };
            if reply.is_closed() || !worker.is_alive() {
                continue;
            }
            let job = self.jobs.pop_front().expect("checked non-empty above");
            let monitor = ctx.monitor_pid(&worker);
            self.monitors.insert(worker.id(), monitor);
            self.running.insert(monitor, job.clone());
            self.handed_out += 1;
            reply.send(job);
        }
    }
}

/// Tells a worker to fetch its next job.
#[derive(Clone)]
struct Fetch;

struct Worker {
    name: String,
    queue: JobQueueRef,
    topics: Topics,
}

#[genserver]
impl Worker {
    #[init]
    fn init(args: (String, JobQueueRef, Topics), ctx: &mut Context<Self>) -> Self {
        let (name, queue, topics) = args;
        println!("  [{name}] started");
        ctx.continue_with(Fetch);
        Worker {
            name,
            queue,
            topics,
        }
    }

    /// Asks for a job (waiting at most a while, so a worker being stopped is not held up
    /// for long), runs it, reports it, and asks again.
    #[info]
    async fn on_fetch(&mut self, _fetch: Fetch, ctx: &mut Context<Self>) {
        let me = ctx.handle().pid();
        let waiting = self.queue.with_timeout(Duration::from_millis(200));
        if let Ok(job) = waiting.next_job(me.clone()).await {
            self.publish(Progress::Started {
                job: job.id,
                worker: self.name.clone(),
            });
            tokio::time::sleep(Duration::from_millis(10)).await;
            if job.poisoned && job.attempt == 0 {
                panic!("{} crashed on job {}", self.name, job.id);
            }
            self.publish(Progress::Done {
                job: job.id,
                worker: self.name.clone(),
            });
            self.queue
                .job_done(me, job.id)
                .expect("the queue outlives the workers");
        }
        ctx.continue_with(Fetch);
    }
}

impl Worker {
    /// Sends `progress` to every subscriber of the topic "progress".
    fn publish(&self, progress: Progress) {
        self.topics.dispatch(&"progress".to_owned(), |subscribers| {
            for (subscriber, ()) in subscribers {
                if let Some(dashboard) = subscriber.downcast::<Dashboard>() {
                    let _ = dashboard.show(progress.clone());
                }
            }
        });
    }
}

/// A subscriber of the topic "progress".
#[derive(Default)]
struct Dashboard {
    started: Vec<u32>,
    done: Vec<u32>,
}

#[genserver]
impl Dashboard {
    #[call]
    fn subscribe(&self, topics: Topics, ctx: &mut Context<Self>) -> Result<(), RegistryError> {
        topics.register(&ctx.handle().pid(), "progress".to_owned(), ())
    }

    #[cast]
    fn show(&mut self, progress: Progress) {
        match progress {
            Progress::Started { job, worker } => {
                println!("  [dashboard] job {job} started on {worker}");
                self.started.push(job);
            }
            Progress::Done { job, worker } => {
                println!("  [dashboard] job {job} done by {worker}");
                self.done.push(job);
            }
        }
    }

    #[call]
    fn seen(&self) -> (Vec<u32>, Vec<u32>) {
        (self.started.clone(), self.done.clone())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A panic in a server is caught by the runtime; print it as one line.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        println!("  [panic] {message}");
    }));

    let topics: Topics = KeyRegistry::duplicate();
    let dashboard = Dashboard::start(Dashboard::default()).await?;
    dashboard.subscribe(topics.clone()).await??;
    println!("the dashboard subscribes to \"progress\"");

    let queue = JobQueue::start(JobQueue::new()).await?;
    let workers = Supervisor::builder()
        .max_children(3)
        .max_restarts(5, Duration::from_secs(5))
        .start()
        .await?;
    for n in 1..=3 {
        let (queue, topics) = (queue.clone(), topics.clone());
        let name = format!("worker-{n}");
        workers
            .start_child(
                ChildSpec::new(name.clone(), move || {
                    Worker::start((name.clone(), queue.clone(), topics.clone()))
                })
                .shutdown(Duration::from_secs(1)),
            )
            .await?;
    }
    println!("3 workers started under a supervisor with max_children(3)");
    let refused = workers
        .start_child(ChildSpec::new("worker-4", {
            let (queue, topics) = (queue.clone(), topics.clone());
            move || Worker::start(("worker-4".to_owned(), queue.clone(), topics.clone()))
        }))
        .await;
    println!("a 4th worker: {}", refused.as_ref().unwrap_err());
    assert_eq!(refused, Err(SupervisorError::MaxChildren));

    let jobs = 12;
    for id in 1..=jobs {
        queue.push(Job {
            id,
            poisoned: id == 5,
            attempt: 0,
        })?;
    }
    println!("{jobs} jobs queued (job 5 crashes the first worker that runs it)");

    // Wait until every job is done.
    let all: BTreeSet<u32> = (1..=jobs).collect();
    let mut done = BTreeSet::new();
    for _ in 0..500 {
        done = queue.done().await?;
        if done == all {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(done, all, "every job is done");
    // Job 5 was handed out twice: once to the worker that crashed, once more.
    assert_eq!(queue.handed_out().await?, jobs + 1);

    let children = workers.which_children().await?;
    let restarts: u32 = children.iter().map(|child| child.restarts).sum();
    println!(
        "workers: {} running, {restarts} restarted",
        workers.count_children().await?.active
    );
    assert_eq!(restarts, 1, "the worker that crashed was restarted once");
    assert_eq!(workers.count_children().await?.active, 3);

    let (started, finished) = dashboard.seen().await?;
    let finished_set: BTreeSet<u32> = finished.iter().copied().collect();
    assert_eq!(finished_set, all, "the dashboard saw every job finish");
    assert_eq!(finished.len(), jobs as usize, "each job finished once");
    assert_eq!(
        started.iter().filter(|&&job| job == 5).count(),
        2,
        "job 5 started twice"
    );
    println!(
        "the dashboard saw {} starts and {} completions",
        started.len(),
        finished.len()
    );

    workers.stop().await;
    dashboard.stop().await;
    // The dashboard's subscription went with it.
    assert!(topics.lookup(&"progress".to_owned()).is_empty());
    queue.stop().await;
    println!("all jobs done; the workers, the dashboard and the queue stopped");
    Ok(())
}
