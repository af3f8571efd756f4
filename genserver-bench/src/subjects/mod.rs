//! The counter server of each implementation.

pub mod genserver_counter;
#[cfg(feature = "peers")]
pub mod kameo_counter;
#[cfg(feature = "peers")]
pub mod ractor_counter;
pub mod tokio_counter;
