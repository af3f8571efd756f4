use genserver::prelude::*;

// An init that can fail and can ignore its start, with the two wrappers the wrong way round.
struct Worker {
    queue: String,
}

#[derive(Debug)]
struct NoQueue;

#[genserver]
impl Worker {
    #[init]
    async fn init(queue: Option<String>) -> Option<Result<Self, NoQueue>> {
        let queue = queue?;
        if queue.is_empty() {
            return Some(Err(NoQueue));
        }
        Some(Ok(Worker { queue }))
    }

    #[call]
    fn queue(&self) -> String {
        self.queue.clone()
    }
}

fn main() {}
