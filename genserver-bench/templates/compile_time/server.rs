use genserver::prelude::*;

use crate::{Note, Tick};

/// A counter that also counts the info messages it receives.
pub struct Server000 {
    value: u64,
    ticks: u64,
    notes: u64,
}

#[genserver]
impl Server000 {
    /// Adds one and returns the new value.
    #[call]
    pub fn increment(&mut self) -> u64 {
        let step = 1;
        self.value += step;
        self.value
    }

    #[call]
    pub async fn get(&self) -> u64 {
        self.value
    }

    /// Adds `n` and replies later, from a spawned task.
    #[call]
    pub fn add_later(&mut self, n: u64, reply: ReplyTo<u64>) {
        self.value += n;
        let value = self.value;
        tokio::spawn(async move { reply.send(value) });
    }

    #[call]
    pub fn describe(&self, prefix: String) -> String {
        format!(
            "{prefix}: value {}, ticks {}, notes {}",
            self.value, self.ticks, self.notes
        )
    }

    #[cast]
    pub fn add(&mut self, n: u64) {
        self.value += n;
    }

    #[cast]
    pub fn reset(&mut self) {
        self.value = 0;
    }

    #[info]
    fn on_tick(&mut self, _tick: Tick, ctx: &mut Context<Self>) {
        self.ticks += 1;
        ctx.continue_with(Note(self.ticks));
    }

    #[info]
    fn on_note(&mut self, note: Note) {
        self.notes += note.0;
    }
}
