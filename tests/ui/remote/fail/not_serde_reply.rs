use genserver::prelude::*;

/// What a handler replies: `Send`, but not serde.
pub struct Snapshot {
    pub values: Vec<i64>,
}

pub struct Recorder {
    values: Vec<i64>,
}

#[genserver(remote)]
impl Recorder {
    #[call]
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            values: self.values.clone(),
        }
    }
}

fn main() {}
