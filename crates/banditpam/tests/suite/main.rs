//! The core's integration tests, one module per concern, in one test binary (one link instead
//! of one per file).
#![allow(dead_code)]

mod adversarial;
mod bandit;
mod common;
mod equivalence;
mod errors;
mod gap;
mod hardening;
mod init;
mod kernels;
mod many_clusters;
mod nearswap;
mod objects;
mod onebatch;
mod properties;
mod reference_table;
mod sharded;
mod silhouette;
mod sparse;
mod weights;
