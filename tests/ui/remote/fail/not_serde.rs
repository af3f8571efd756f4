use genserver::prelude::*;

/// A reading of a sensor: `Send`, but not serde.
pub struct Reading {
    pub celsius: f64,
}

pub struct Thermostat {
    last: f64,
}

#[genserver(remote)]
impl Thermostat {
    #[cast]
    pub fn record(&mut self, reading: Reading) {
        self.last = reading.celsius;
    }

    #[call]
    pub fn last(&self) -> f64 {
        self.last
    }
}

fn main() {}
