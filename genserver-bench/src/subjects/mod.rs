//! The counter server of each implementation, and the pipeline of the two that have stages
//! (genserver, and the hand-written channel chain).

pub mod genserver_counter;
pub mod genserver_pipeline;
#[cfg(feature = "peers")]
pub mod kameo_counter;
#[cfg(feature = "peers")]
pub mod ractor_counter;
pub mod tokio_batches;
pub mod tokio_counter;
pub mod tokio_pipeline;
