//! Tests of the mailbox queue: sequential ones here, loom models of its concurrency below.

#[cfg(not(loom))]
mod sequential {
    use super::super::*;

    #[test]
    fn values_come_out_in_order_across_growing_blocks() {
        let (tx, mut rx) = channel::<usize>();
        for i in 0..1_000 {
            tx.send(i).unwrap();
        }
        assert_eq!(rx.len(), 1_000);
        for i in 0..1_000 {
            assert_eq!(rx.try_recv(), Some(i));
        }
        assert_eq!(rx.try_recv(), None);
        assert_eq!(rx.len(), 0);
    }
}
