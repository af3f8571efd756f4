//! A `nats-server` for tests: started on a free loopback port with its own JetStream store,
//! ready when returned, killed when dropped. Also a 3-node cluster, and a TCP proxy whose
//! connections a test can cut, to drop a node's connection while its process lives on.
//!
//! Nothing here reaches anything but loopback. The `nats-server` binary must be installed
//! (Debian: `apt-get install nats-server`); [`NatsServer::start`] says so if it is not.
//!
//! ```no_run
//! use genserver_nats::testing::NatsServer;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let nats = NatsServer::start()?;
//! let node = genserver_nats::Node::connect(nats.url()).await?;
//! # Ok(())
//! # }
//! ```

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a server may take to accept clients.
const READY_TIMEOUT: Duration = Duration::from_secs(15);

/// A directory removed when dropped.
#[derive(Debug)]
struct TempDir(PathBuf);

impl TempDir {
    fn new(what: &str) -> io::Result<TempDir> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "genserver-nats-{what}-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A free TCP port on loopback (free when asked: the server binds it right after).
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The `nats-server` binary: on `PATH`, or where Debian puts it.
fn binary() -> io::Result<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("nats-server"))
            .find(|candidate| candidate.is_file())
    });
    on_path
        .or_else(|| {
            let debian = PathBuf::from("/usr/sbin/nats-server");
            debian.is_file().then_some(debian)
        })
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "nats-server is not installed (Debian: `apt-get install nats-server`)",
            )
        })
}

/// How to start a [`NatsServer`].
#[derive(Debug, Clone, Default)]
pub struct NatsServerBuilder {
    jetstream: bool,
    args: Vec<String>,
    port: Option<u16>,
}

impl NatsServerBuilder {
    /// Without JetStream (names and groups then fail; plain calls work).
    pub fn without_jetstream(mut self) -> Self {
        self.jetstream = false;
        self
    }

    /// More command-line arguments, e.g. `["--user", "a", "--pass", "b"]`.
    pub fn args<I, A>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = A>,
        A: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// This client port instead of a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Starts the server and waits until it accepts clients.
    pub fn start(self) -> io::Result<NatsServer> {
        let store = TempDir::new("store")?;
        let mut last_error = None;
        // A free port can be taken by someone else before the server binds it: try again.
        for _attempt in 0..5 {
            let port = match self.port {
                Some(port) => port,
                None => free_port()?,
            };
            match NatsServer::spawn(&self, port, store.path()) {
                Ok(child) => {
                    return Ok(NatsServer {
                        child: Some(child),
                        port,
                        builder: self,
                        store,
                    });
                }
                Err(error) => last_error = Some(error),
            }
            if self.port.is_some() {
                break;
            }
        }
        Err(last_error.expect("at least one attempt was made"))
    }
}

/// A running `nats-server`, killed when dropped.
#[derive(Debug)]
pub struct NatsServer {
    child: Option<Child>,
    port: u16,
    builder: NatsServerBuilder,
    store: TempDir,
}

impl NatsServer {
    /// A server with JetStream on a free loopback port.
    pub fn start() -> io::Result<NatsServer> {
        NatsServer::builder().start()
    }

    /// The options of a server (JetStream on, a free port).
    pub fn builder() -> NatsServerBuilder {
        NatsServerBuilder {
            jetstream: true,
            ..NatsServerBuilder::default()
        }
    }

    fn spawn(builder: &NatsServerBuilder, port: u16, store: &Path) -> io::Result<Child> {
        let log = store.join(format!("nats-server-{port}.log"));
        let mut command = Command::new(binary()?);
        command
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .arg("-l")
            .arg(&log);
        if builder.jetstream {
            command.arg("-js").arg("-sd").arg(store);
        }
        command
            .args(&builder.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = command.spawn()?;
        match wait_ready(port, &mut child) {
            Ok(()) => Ok(child),
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                Err(io::Error::new(
                    error.kind(),
                    format!("nats-server on port {port} did not start: {error}\n{log}"),
                ))
            }
        }
    }

    /// The URL clients connect to: `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The client port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The socket address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// The process id, while running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kills the server (SIGKILL) and waits for it to be gone. Its store is kept, for
    /// [`restart`](NatsServer::restart).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again, on the same port with the same store.
    pub fn restart(&mut self) -> io::Result<()> {
        self.kill();
        self.child = Some(NatsServer::spawn(
            &self.builder,
            self.port,
            self.store.path(),
        )?);
        Ok(())
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until the server on `port` sends its `INFO` line.
fn wait_ready(port: u16, child: &mut Child) -> io::Result<()> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            return Err(io::Error::other(format!("it exited with {status}")));
        }
        if let Ok(stream) = TcpStream::connect_timeout(
            &SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_millis(500),
        ) {
            stream.set_read_timeout(Some(Duration::from_secs(2)))?;
            let mut line = String::new();
            if BufReader::new(stream).read_line(&mut line).is_ok() && line.starts_with("INFO ") {
                return Ok(());
            }
        }
        if Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "it did not accept clients in time",
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Servers of one NATS cluster on loopback, each with JetStream.
#[derive(Debug)]
pub struct NatsCluster {
    servers: Vec<NatsServer>,
}

impl NatsCluster {
    /// Starts `size` servers routed to each other, and waits until each accepts clients.
    /// JetStream elects its leader a moment later: a node's first remote start waits for it.
    pub fn start(size: usize) -> io::Result<NatsCluster> {
        let cluster_ports = (0..size)
            .map(|_| free_port())
            .collect::<io::Result<Vec<u16>>>()?;
        let routes = cluster_ports
            .iter()
            .map(|port| format!("nats://127.0.0.1:{port}"))
            .collect::<Vec<_>>()
            .join(",");
        let name = format!("genserver-test-{}", std::process::id());
        let mut children = Vec::new();
        // Start them all before waiting for any: a clustered JetStream server waits for its
        // peers.
        let mut pending = Vec::new();
        for (index, cluster_port) in cluster_ports.iter().enumerate() {
            let builder = NatsServer::builder().args([
                "-n".to_owned(),
                format!("n{index}"),
                "--cluster_name".to_owned(),
                name.clone(),
                "--cluster".to_owned(),
                format!("nats://127.0.0.1:{cluster_port}"),
                "--routes".to_owned(),
                routes.clone(),
            ]);
            let port = free_port()?;
            let store = TempDir::new("cluster")?;
            let log = store.path().join(format!("nats-server-{port}.log"));
            let mut command = Command::new(binary()?);
            command
                .args(["-a", "127.0.0.1", "-p", &port.to_string()])
                .arg("-l")
                .arg(&log)
                .arg("-js")
                .arg("-sd")
                .arg(store.path())
                .args(&builder.args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let child = command.spawn()?;
            pending.push((builder.port(port), port, store, child, log));
        }
        for (builder, port, store, mut child, log) in pending {
            if let Err(error) = wait_ready(port, &mut child) {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                return Err(io::Error::new(
                    error.kind(),
                    format!("nats-server on port {port} did not start: {error}\n{log}"),
                ));
            }
            children.push(NatsServer {
                child: Some(child),
                port,
                builder,
                store,
            });
        }
        Ok(NatsCluster { servers: children })
    }

    /// Server `index` (to kill or restart it).
    pub fn server(&mut self, index: usize) -> &mut NatsServer {
        &mut self.servers[index]
    }

    /// The URL of server `index`.
    pub fn url(&self, index: usize) -> String {
        self.servers[index].url()
    }

    /// The URLs of every server, comma-separated (what `Node::connect` takes for a cluster).
    pub fn urls(&self) -> String {
        self.servers
            .iter()
            .map(NatsServer::url)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// How many servers there are.
    pub fn len(&self) -> usize {
        self.servers.len()
    }

    /// `true` for a cluster of no servers.
    pub fn is_empty(&self) -> bool {
        self.servers.is_empty()
    }
}

/// A TCP proxy on loopback in front of a NATS server, whose connections a test can cut: the
/// node behind it loses its connection while its process lives on.
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    open: Arc<AtomicBool>,
    cut: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy to `upstream`, accepting on a free loopback port.
    pub async fn start(upstream: SocketAddr) -> io::Result<Proxy> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let open = Arc::new(AtomicBool::new(true));
        let cut = Arc::new(tokio::sync::Notify::new());
        let task = tokio::spawn({
            let open = open.clone();
            let cut = cut.clone();
            async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if !open.load(Ordering::Acquire) {
                        // Refused: the connection closes at once.
                        continue;
                    }
                    let cut = cut.clone();
                    tokio::spawn(async move {
                        let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await
                        else {
                            return;
                        };
                        let cut = cut.notified();
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                            () = cut => {}
                        }
                    });
                }
            }
        });
        Ok(Proxy {
            addr,
            open,
            cut,
            task,
        })
    }

    /// The URL to connect to through the proxy.
    pub fn url(&self) -> String {
        format!("nats://{}", self.addr)
    }

    /// Closes every connection through the proxy and refuses new ones until
    /// [`restore`](Proxy::restore).
    pub fn cut(&self) {
        self.open.store(false, Ordering::Release);
        self.cut.notify_waiters();
    }

    /// Accepts connections again.
    pub fn restore(&self) {
        self.open.store(true, Ordering::Release);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.task.abort();
    }
}

/// A file in a directory of its own, both removed when dropped: e.g. a server configuration.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    _dir: TempDir,
}

impl TempFile {
    /// Writes `contents` to a new file called `name`.
    pub fn new(name: &str, contents: &str) -> io::Result<TempFile> {
        let dir = TempDir::new("file")?;
        let path = dir.path().join(name);
        io::Write::write_all(&mut File::create(&path)?, contents.as_bytes())?;
        Ok(TempFile { path, _dir: dir })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
