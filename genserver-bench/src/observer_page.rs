//! What an open observer page costs (feature `observer`, `GENSERVER_BENCH_OBSERVER_PAGE=1`):
//! the observer served on loopback from a thread of its own, and a client that asks for the
//! page's JSON twice a second, as the page does, for the whole run.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// The page's thread; stops it when dropped.
pub struct Page {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Page {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Opens the page if `GENSERVER_BENCH_OBSERVER_PAGE` is set.
pub fn open_if_asked() -> Option<Page> {
    std::env::var_os("GENSERVER_BENCH_OBSERVER_PAGE")?;
    let stop = Arc::new(AtomicBool::new(false));
    let (ready, addr) = std::sync::mpsc::channel();
    let stopping = stop.clone();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the observer");
        runtime.block_on(async move {
            let observer = genserver::observer::serve("127.0.0.1:0")
                .await
                .expect("the observer listens on loopback");
            let _ = ready.send(observer.local_addr());
            while !stopping.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            observer.stop();
        });
    });
    let addr = addr.recv().expect("the observer started");
    let asking = stop.clone();
    std::thread::spawn(move || {
        while !asking.load(Ordering::Relaxed) {
            if let Ok(mut stream) = TcpStream::connect(addr) {
                let _ = stream.write_all(
                    b"GET /api/servers HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n",
                );
                let mut body = Vec::new();
                let _ = stream.read_to_end(&mut body);
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    });
    Some(Page {
        stop,
        thread: Some(thread),
    })
}
