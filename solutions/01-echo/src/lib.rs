pub mod shutdown;
